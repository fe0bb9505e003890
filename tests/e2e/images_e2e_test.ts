/**
 * End-to-end tests of image updates (docs/image-updates.md) against a real
 * registry on loopback (tests/e2e/_registry.ts): a new digest behind the same
 * tag deploys with no commit, pinned; the same digest again is a silent
 * no-op; a broken digest rolls back to the exact image that ran before (the
 * container's image id), is marked bad with its digest and skipped, and the
 * next digest deploys; a registry that is down changes nothing and says so in
 * one line; an htpasswd registry works with the login of DOCKER_CONFIG;
 * `image_updates: false` ignores new digests; and `image_min_age` holds a new
 * digest back until it is that old.
 * @module
 */
import assert from "node:assert/strict";
import { SKIP_DOCKER } from "./_docker.ts";
import {
  imageCompose,
  marker,
  moved,
  pushNotHere,
  rollsBackBroken,
  runningImages,
  withRegistry,
} from "./_images.ts";
import { outcomeLines, stackFiles, withScene } from "./_scene.ts";

const ignore = SKIP_DOCKER;

Deno.test({
  name:
    "a new digest behind the tag deploys pinned, rolls back exactly when broken, and is skipped once bad",
  ignore,
  fn: () =>
    withRegistry({}, (registry) =>
      withScene({}, async (s) => {
        const name = s.name();
        const repo = `${name}/app`;
        const v1 = await registry.push(repo, "stable", marker());
        const commit = await s.commit(
          stackFiles(name, imageCompose(v1.ref), { image_updates: true }),
        );
        const first = await s.run();
        assert.equal(first.code, 0, first.stderr);
        assert.deepEqual(await runningImages(name), [v1.id]);
        const version = await s.version(name);
        assert.equal(version[2], `image app ${v1.digest} ${v1.ref}`);

        // A new digest behind the same tag, not on this host: the deploy pulls it by digest.
        const v2 = await pushNotHere(registry, repo);
        const dry = await s.run(["--dry-run"]);
        assert.match(dry.stdout, new RegExp(`${name}\\s+changed\\s.*\\s${moved(v1, v2)}`));
        const second = await s.run();
        assert.equal(second.code, 0, second.stderr);
        assert.deepEqual(
          outcomeLines(second).map((l) => [l.stack, l.result, l.commit]),
          [[name, "deployed", commit.slice(0, 7)]],
        );
        assert.match(
          outcomeLines(second)[0]?.message ?? "",
          new RegExp(`^healthy \\(${moved(v1, v2)}\\)$`),
        );
        assert.deepEqual(await runningImages(name), [v2.id]);
        assert.equal((await s.version(name))[2], `image app ${v2.digest} ${v2.ref}`);
        const deployed = (await s.history()).at(-1);
        assert.deepEqual(deployed?.images, [{ service: "app", image: v2.ref, digest: v2.digest }]);

        // The same digest again: nothing to do, nothing said.
        const same = await s.run();
        assert.deepEqual([same.code, same.stdout, same.stderr], [0, "", ""]);

        // A broken digest: back on v2 exactly, though the local tag now names the broken image.
        const v3 = await rollsBackBroken(registry, s, name, repo);
        assert.deepEqual(await runningImages(name), [v2.id]);
        assert.notEqual(v3.id, v2.id);
        assert.equal((await s.version(name))[2], `image app ${v2.digest} ${v2.ref}`);

        // The bad digest is not tried again (and, right after the rollback, not told again).
        const skipped = await s.run();
        assert.equal(skipped.code, 1);
        assert.equal(skipped.stdout, "");
        assert.deepEqual(await runningImages(name), [v2.id]);

        // The next digest behind the tag is tried, and deploys.
        const v4 = await registry.push(repo, "stable", marker());
        const fixed = await s.run();
        assert.equal(fixed.code, 0, fixed.stderr);
        assert.deepEqual(await runningImages(name), [v4.id]);

        // The registry down: nothing marked, nothing touched, one line naming it and the image.
        await registry.stop();
        const before = JSON.stringify(await s.bad());
        const down = await s.run();
        assert.equal(down.code, 0, down.stderr);
        assert.equal(down.stdout, "");
        const lines = down.stderr.split("\n").filter((l) => l !== "");
        assert.equal(lines.length, 1, down.stderr);
        assert.match(
          lines[0]!,
          new RegExp(`registry ${registry.host}: unreachable .*: ${registry.host}/${repo}:stable`),
        );
        assert.equal(JSON.stringify(await s.bad()), before);
        assert.deepEqual(await runningImages(name), [v4.id]);
        assert.equal((await s.version(name))[2], `image app ${v4.digest} ${v4.ref}`);
        assert.equal((await s.history()).at(-1)?.result, "deployed");
      })),
});

Deno.test({
  name: "an htpasswd registry is asked with the login of DOCKER_CONFIG, and refuses without it",
  ignore,
  fn: () =>
    withRegistry({ auth: true }, (registry) =>
      withScene({}, async (s) => {
        const name = s.name();
        const repo = `${name}/app`;
        const v1 = await registry.push(repo, "stable", marker());
        await s.commit(stackFiles(name, imageCompose(v1.ref), { image_updates: true }));
        const env = { DOCKER_CONFIG: registry.dockerConfig };
        assert.equal((await s.run([], env)).code, 0);
        const v2 = await registry.push(repo, "stable", marker());
        await registry.forget(v2);
        const second = await s.run([], env);
        assert.equal(second.code, 0, second.stderr);
        assert.deepEqual(await runningImages(name), [v2.id]);

        // Without the login the registry refuses: said once, the stack keeps its version.
        const v3 = await registry.push(repo, "stable", marker());
        const empty = await Deno.makeTempDir({ dir: registry.dir });
        const refused = await s.run([], { DOCKER_CONFIG: empty });
        assert.equal(refused.code, 0, refused.stderr);
        assert.match(refused.stderr, /refused: needs credentials \(401\)/);
        assert.deepEqual(await runningImages(name), [v2.id]);
        assert.notEqual(v3.id, v2.id);
      })),
});

Deno.test({
  name: "image_updates: false ignores a new digest behind the tag",
  ignore,
  fn: () =>
    withRegistry({}, (registry) =>
      withScene({}, async (s) => {
        const name = s.name();
        const v1 = await registry.push(`${name}/app`, "stable", marker());
        await s.commit(stackFiles(name, imageCompose(v1.ref), { image_updates: false }));
        assert.equal((await s.run()).code, 0);
        await registry.push(`${name}/app`, "stable", marker());
        const again = await s.run();
        assert.deepEqual([again.code, again.stdout, again.stderr], [0, "", ""]);
        assert.deepEqual(await runningImages(name), [v1.id]);
        assert.equal((await s.version(name)).length, 2);
      })),
});

Deno.test({
  name: "image_min_age holds a new digest back until it has been behind the tag that long",
  ignore,
  fn: () =>
    withRegistry({}, (registry) =>
      withScene({}, async (s) => {
        const name = s.name();
        const repo = `${name}/app`;
        const v1 = await registry.push(repo, "stable", marker());
        // Long enough for the runs in between, short enough for a test.
        const settings = { image_updates: true, image_min_age: "10s" };
        await s.commit(stackFiles(name, imageCompose(v1.ref), settings));
        assert.equal((await s.run()).code, 0);
        assert.deepEqual(await runningImages(name), [v1.id]);

        // Seen for the first time: the stack stays on v1, silently, nothing marked.
        const v2 = await registry.push(repo, "stable", marker());
        const seen = Date.now();
        const held = await s.run();
        const ran = Date.now();
        assert.deepEqual([held.code, held.stdout, held.stderr], [0, "", ""]);
        assert.deepEqual(await runningImages(name), [v1.id]);
        assert.deepEqual(await s.bad(), {});
        const dry = await s.run(["--dry-run"]);
        const wait = new RegExp(
          `${name}\\s+unchanged\\s.*\\simage app: ${v2.digest.slice(0, 19)}… waits until ` +
            `\\S+Z \\(image_min_age 10s\\)`,
        );
        assert.match(dry.stdout, wait);
        const until = /waits until (\S+Z)/.exec(dry.stdout)?.[1];
        const due = Date.parse(until ?? "");
        // Counted from the run that first saw it (the time is shown in whole seconds).
        assert.ok(due >= seen + 9_000 && due <= ran + 10_000, `${until}: 10 s after the run`);

        // Once it is that old, it deploys.
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()) + 1_000));
        const later = await s.run();
        assert.equal(later.code, 0, later.stderr);
        assert.equal(outcomeLines(later)[0]?.result, "deployed");
        assert.deepEqual(await runningImages(name), [v2.id]);
      })),
});
