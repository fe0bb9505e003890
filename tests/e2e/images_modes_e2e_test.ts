/**
 * End-to-end tests of image updates (docs/image-updates.md) for a
 * `method: canary` stack and a `mode: swarm` stack, against a real registry
 * on loopback: a new digest behind the tag deploys pinned with no commit, the
 * same digest is a silent no-op, a broken digest goes back to the exact image
 * that ran before (the running container's image id, the swarm service's
 * image by digest) and is marked bad with its digest, and is skipped on the
 * next run; the canary's good copy comes back pinned with `rollback`.
 * @module
 */
import assert from "node:assert/strict";
import YAML from "yaml";
import { daxRunner } from "../../lib/process.ts";
import { CANARY } from "./_canary.ts";
import { downProject, SKIP_DOCKER } from "./_docker.ts";
import {
  imageCompose,
  marker,
  moved,
  pinLine,
  pinned,
  pushNotHere,
  rollsBackBroken,
  runningImages,
  runningRefs,
  taskImages,
  withRegistry,
} from "./_images.ts";
import { outcomeLines, stackFiles, withScene } from "./_scene.ts";
import { removeStack, withSwarm } from "./_swarm.ts";

const ignore = SKIP_DOCKER;

Deno.test({
  name:
    "a canary stack follows its images: pinned in the new copy, the old copy kept when a digest is broken",
  ignore,
  fn: () =>
    withRegistry({}, (registry) =>
      withScene({}, async (s) => {
        const name = s.name("ci");
        const peer = `${name}-canary`;
        try {
          const repo = `${name}/app`;
          const v1 = await registry.push(repo, "stable", marker());
          const settings = { ...CANARY, image_updates: true };
          await s.commit(stackFiles(name, imageCompose(v1.ref), settings));
          const first = await s.run();
          assert.equal(first.code, 0, first.stderr);
          assert.deepEqual(await runningImages(name), [v1.id]);
          assert.equal(await pinLine(s, name), `image app ${v1.digest} ${v1.ref}`);

          // A new digest, not on this host: the canary copy runs it pinned, then goes live.
          const v2 = await pushNotHere(registry, repo);
          const second = await s.run();
          assert.equal(second.code, 0, second.stderr);
          const [deployed] = outcomeLines(second);
          assert.equal(deployed?.result, "deployed", second.stdout);
          assert.match(
            deployed?.message ?? "",
            new RegExp(`live as ${peer}.*\\(${moved(v1, v2)}\\)$`),
          );
          assert.deepEqual(await runningImages(peer), [v2.id]);
          assert.deepEqual(await runningRefs(peer), [pinned(v2)], "the new copy ran pinned");
          assert.deepEqual(await runningImages(name), []);
          assert.equal(await pinLine(s, name), `image app ${v2.digest} ${v2.ref}`);
          assert.equal(await pinLine(s, name, "good_stacks"), `image app ${v1.digest} ${v1.ref}`);

          // The same digest again: nothing to do, nothing said.
          const same = await s.run();
          assert.deepEqual([same.code, same.stdout, same.stderr], [0, "", ""]);

          // A broken digest: its copy is removed, the live copy on v2 never stopped.
          await rollsBackBroken(registry, s, name, repo);
          assert.deepEqual(await runningImages(peer), [v2.id]);
          assert.deepEqual(await runningImages(name), []);
          assert.equal(await pinLine(s, name), `image app ${v2.digest} ${v2.ref}`);

          // Not tried again.
          const skipped = await s.run();
          assert.equal(skipped.stdout, "");
          assert.deepEqual(await runningImages(peer), [v2.id]);

          // A fixed digest deploys; `rollback` then brings v2 back exactly, though the tag
          // names v4 (and v3's image is still here under the tag's name until v4's pull).
          const v4 = await registry.push(repo, "stable", marker());
          const fixed = await s.run();
          assert.equal(fixed.code, 0, fixed.stderr);
          assert.deepEqual(await runningImages(name), [v4.id]);
          const back = await s.ws.run(["rollback", name]);
          assert.equal(back.code, 0, back.stderr);
          assert.deepEqual(await runningImages(peer), [v2.id]);
          assert.deepEqual(await runningRefs(peer), [pinned(v2)]);
          assert.deepEqual(await runningImages(name), []);
          assert.equal(await pinLine(s, name), `image app ${v2.digest} ${v2.ref}`);
        } finally {
          await downProject(peer);
        }
      })),
});

/** The image a swarm service's spec names (with `--resolve-image never`, as deployed). */
async function serviceImage(service: string): Promise<string> {
  const r = await daxRunner.run([
    "docker",
    "service",
    "inspect",
    service,
    "--format",
    "{{.Spec.TaskTemplate.ContainerSpec.Image}}",
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

Deno.test({
  name:
    "a swarm stack follows its images: the service runs the digest checked, and goes back to the exact one when broken",
  ignore,
  fn: async () => {
    await withSwarm(() =>
      withRegistry({}, (registry) =>
        withScene({}, async (s) => {
          const name = s.name("si");
          const service = `${name}_app`;
          try {
            const repo = `${name}/app`;
            const v1 = await registry.push(repo, "stable", marker());
            const files = (image: string) => ({
              [`${name}/compose.yaml`]: imageCompose(image, { swarm: true }),
              [`${name}/deploy.yaml`]: YAML.stringify({
                mode: "swarm",
                health_timeout: "60s",
                image_updates: true,
              }),
            });
            await s.commit(files(v1.ref));
            const first = await s.run();
            assert.equal(first.code, 0, first.stderr);
            assert.equal(await serviceImage(service), pinned(v1));
            assert.deepEqual(await taskImages(service), [v1.id]);

            const v2 = await pushNotHere(registry, repo);
            const second = await s.run();
            assert.equal(second.code, 0, second.stderr);
            const [deployed] = outcomeLines(second);
            assert.equal(deployed?.result, "deployed", second.stdout);
            assert.match(deployed?.message ?? "", new RegExp(`\\(${moved(v1, v2)}\\)$`));
            assert.equal(await serviceImage(service), pinned(v2));
            assert.deepEqual(await taskImages(service), [v2.id]);
            assert.equal(await pinLine(s, name), `image app ${v2.digest} ${v2.ref}`);

            const same = await s.run();
            assert.deepEqual([same.code, same.stdout, same.stderr], [0, "", ""]);

            // A broken digest: Swarm gets the good copy back, pinned to v2, not the tag (v3 now).
            await rollsBackBroken(registry, s, name, repo);
            assert.equal(await serviceImage(service), pinned(v2));
            assert.deepEqual(await taskImages(service), [v2.id]);
            assert.equal(await pinLine(s, name), `image app ${v2.digest} ${v2.ref}`);

            const skipped = await s.run();
            assert.equal(skipped.stdout, "");
            assert.equal(await serviceImage(service), pinned(v2));
          } finally {
            await removeStack(name);
          }
        }))
    );
  },
});
