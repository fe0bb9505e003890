/**
 * End-to-end tests of operator trust (docs/how-it-works.md#preflight): a
 * version that cannot start never takes the running one down, each failure
 * is told once, a host fault is one line with nothing recorded, and
 * `status --check` says whether all is well. Real Docker, real git.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SKIP_DOCKER } from "./_docker.ts";
import { webCompose } from "./_harness.ts";
import {
  containersOf,
  live,
  outcomeLines,
  type Scene,
  stackFiles,
  withScene,
  withTmpfs,
} from "./_scene.ts";

const ignore = SKIP_DOCKER;

/** Deploys a healthy first version; returns its commit and container. */
async function deployed(s: Scene, name: string) {
  const v1 = await s.commit(stackFiles(name, webCompose()));
  const r = await s.run();
  assert.equal(r.code, 0, r.stderr);
  return { v1, before: await live(name) };
}

Deno.test({
  name:
    "a compose file with a YAML error is refused before anything stops, marked bad, and told once",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const { before } = await deployed(s, name);
      const broken = `${webCompose()}  oops: [unclosed\n`;
      await s.commit(stackFiles(name, broken));

      const dry = await s.run(["--dry-run"]);
      assert.equal(dry.code, 1);
      assert.match(
        dry.stdout,
        new RegExp(`${name}\\s+refused\\s+.*compose\\.yaml:\\d+: invalid YAML`),
      );

      const r = await s.run();
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      const [line] = outcomeLines(r);
      assert.equal(line?.result, "refused");
      assert.match(line?.message ?? "", /compose\.yaml:\d+: invalid YAML.*version marked bad/);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.deepEqual(await live(name), before, "the old container was not touched");
      assert.ok((await s.bad())[name], "the version is marked bad: its fault is its own");

      for (let i = 0; i < 2; i++) {
        const again = await s.run();
        assert.deepEqual([again.code, again.stdout, again.stderr], [1, "", ""]);
      }
      assert.deepEqual(await live(name), before);
      assert.deepEqual((await s.history()).map((e) => e.result), ["deployed", "refused"]);
    }),
});

Deno.test({
  name:
    "an image that is neither here nor pullable is refused without a mark, the old version untouched, told once",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const { before } = await deployed(s, name);
      await s.commit(stackFiles(name, webCompose({ image: "autostack-test/nosuch:1" })));

      const runs = [await s.run(), await s.run(), await s.run()];
      assert.deepEqual(runs.map((r) => r.code), [1, 1, 1]);
      const [line] = outcomeLines(runs[0]!);
      assert.equal(line?.result, "refused");
      assert.match(line?.message ?? "", /image "autostack-test\/nosuch:1" is not on this host/);
      assert.match(line?.message ?? "", /tried again next run/);
      assert.deepEqual(runs.slice(1).map((r) => r.stdout + r.stderr), ["", ""]);
      assert.deepEqual(await s.bad(), {}, "a host fault does not mark the version");
      assert.deepEqual(await live(name), before);
      assert.deepEqual((await s.history()).map((e) => e.result), ["deployed", "refused"]);
    }),
});

Deno.test({
  name: "Docker unreachable is one line and exit 1, with no history line and no bad mark",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      await deployed(s, name);
      await s.commit(stackFiles(name, webCompose({ extra: "    labels: [v2]\n" })));
      const dead = { DOCKER_HOST: "unix:///tmp/autostack-no-such-docker.sock" };
      const r = await s.run([], dead);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, /^autostack: Docker does not answer: .*Cannot connect/);
      assert.doesNotMatch(r.stderr, /ComposeError|DockerDownError|Uncaught/);
      assert.deepEqual((await s.history()).map((e) => e.result), ["deployed"]);
      assert.deepEqual(await s.bad(), {});

      const check = await s.ws.run(["status", "--check"], dead);
      assert.equal(check.code, 1);
      assert.match(check.stderr, /Docker could not be asked/);
    }),
});

Deno.test({
  name:
    "Docker vanishing after the old version went down marks nothing, and the next run brings the stack up",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      // A compose that loses the daemon at `up` while the flag file exists.
      const flag = join(s.ws.dir, "daemon-gone");
      const wrapper = join(s.ws.dir, "compose.sh");
      await Deno.writeTextFile(
        wrapper,
        `#!/bin/sh
for a in "$@"; do
  if [ "$a" = up ] && [ -e ${flag} ]; then
    exec env DOCKER_HOST=unix:///tmp/autostack-no-such-docker.sock docker compose "$@"
  fi
done
exec docker compose "$@"
`,
      );
      await Deno.chmod(wrapper, 0o755);
      await s.ws.writeConfig({ base_dir: "base", repo: s.repo.url, compose: [wrapper] });
      await deployed(s, name);
      const v2 = await s.commit(stackFiles(name, webCompose({ extra: "    labels: [v2]\n" })));
      await Deno.writeTextFile(flag, "");

      const r = await s.run();
      assert.equal(r.code, 1);
      assert.match(r.stderr.trim(), /^autostack: Docker does not answer: /);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.deepEqual(await s.bad(), {});
      assert.deepEqual((await s.history()).map((e) => e.result), ["deployed"]);
      assert.equal((await s.version(name))[2]?.startsWith("pending"), true);

      await Deno.remove(flag);
      const next = await s.run();
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual(outcomeLines(next).map((l) => [l.result, l.commit]), [[
        "deployed",
        v2.slice(0, 7),
      ]]);
      const [container] = await containersOf(name);
      assert.equal(container?.state, "running");
    }),
});

Deno.test({
  name:
    "status --check exits 0 when all is well and 1 naming a stack whose repo version is held back",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      await deployed(s, name);
      const ok = await s.ws.run(["status", "--check"]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, new RegExp(`${name}\\s+${name}\\s+\\w+\\s+\\w+\\s+1/1\\s+healthy`));

      await s.commit(stackFiles(name, `${webCompose()}  oops: [unclosed\n`));
      assert.equal((await s.run()).code, 1);
      const held = await s.ws.run(["status", "--check"]);
      assert.equal(held.code, 1);
      assert.match(held.stderr, new RegExp(`stack "${name}": `));
    }),
});

Deno.test({
  name:
    "a disk that fills up while the new files are copied puts the good version back, in one line",
  // Mounting a small file system as base_dir needs root, which CI has.
  ignore: ignore || Deno.uid() !== 0,
  fn: () =>
    withScene({}, async (s) => {
      await withTmpfs(s.ws.base, "24m", async () => {
        const name = s.name();
        const { v1 } = await deployed(s, name);
        // 9 MB that does not compress: git's pack and checkout fit, a third copy does not.
        const blob = new Uint8Array(9 * 1024 * 1024);
        for (let i = 0; i < blob.length; i += 65_536) {
          crypto.getRandomValues(blob.subarray(i, i + 65_536));
        }
        await Deno.writeFile(join(s.repo.work, name, "blob.bin"), blob);
        await s.commit(stackFiles(name, webCompose({ extra: "    labels: [v2]\n" })));

        const r = await s.run();
        assert.equal(r.code, 1);
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(
          lines[0]!,
          /^autostack: no space left on the device: .*; the good version \w+ was started again: healthy$/,
        );
        assert.doesNotMatch(r.stderr, /Uncaught|at async/);
        assert.deepEqual(await s.bad(), {});
        assert.deepEqual((await s.history()).map((e) => e.result), ["deployed"]);
        assert.equal((await s.version(name))[0], v1, "the good version is back in place");
        const [container] = await containersOf(name);
        assert.equal(container?.state, "running");
      });
    }),
});
