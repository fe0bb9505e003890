/**
 * End-to-end tests of what `autostack run` leaves alone and what it keeps
 * against real Docker: silence with nothing to do, stacks whose containers
 * vanished, orphan files, named volumes, and `jobs` running deploys side by
 * side (docs/how-it-works.md#state, 3, 5).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { daxRunner } from "../../lib/process.ts";
import { COMPOSE, SKIP_DOCKER } from "./_docker.ts";
import { webCompose } from "./_harness.ts";
import {
  allHealthy,
  containersOf,
  outcomeLines,
  shCompose,
  stackFiles,
  withScene,
} from "./_scene.ts";

const ignore = SKIP_DOCKER;

Deno.test({
  name: "run with nothing to do exits 0 and prints nothing at all",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      await s.commit(stackFiles(name, webCompose()));
      assert.equal((await s.run()).code, 0);
      const [before] = await containersOf(name);

      const idle = await s.run();
      assert.deepEqual([idle.code, idle.stdout, idle.stderr], [0, "", ""]);
      await s.commit({ "README.md": "a change outside every stack\n" });
      const other = await s.run();
      assert.deepEqual([other.code, other.stdout, other.stderr], [0, "", ""]);

      assert.equal((await s.history()).length, 1);
      const [after] = await containersOf(name);
      assert.equal(after?.id, before?.id, "the container was not touched");
      assert.ok(after && allHealthy([after]));
    }),
});

Deno.test({
  name:
    "run redeploys a stack whose containers were removed by hand although its files did not change",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const commit = await s.commit(stackFiles(name, webCompose()));
      assert.equal((await s.run()).code, 0);
      const down = await daxRunner.run([...COMPOSE, "-p", name, "down"]);
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(await containersOf(name), []);

      const r = await s.run();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      assert.deepEqual(outcomeLines(r).map((l) => [l.stack, l.result, l.commit]), [
        [name, "deployed", commit.slice(0, 7)],
      ]);
      assert.deepEqual((await s.history()).map((e) => e.result), ["deployed", "deployed"]);
      assert.ok(allHealthy(await containersOf(name)));
      const again = await s.run();
      assert.deepEqual([again.code, again.stdout, again.stderr], [0, "", ""]);
    }),
});

Deno.test({
  name:
    "run moves files a container wrote into running_stacks aside into orphans, never deleting them",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      await s.commit(stackFiles(name, webCompose()));
      assert.equal((await s.run()).code, 0);
      const running = join(s.ws.base, "running_stacks", name);
      await Deno.mkdir(join(running, "data"));
      await Deno.writeTextFile(join(running, "data", "state.db"), "precious\n");
      await Deno.writeTextFile(join(running, "cache.txt"), "also kept\n");
      const v2 = await s.commit(stackFiles(name, shCompose("exec sleep 3600")));

      const r = await s.run();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(outcomeLines(r).map((l) => [l.result, l.commit]), [
        ["deployed", v2.slice(0, 7)],
      ]);
      const stamps = [];
      for await (const entry of Deno.readDir(join(s.ws.base, "orphans", name))) {
        stamps.push(entry.name);
      }
      assert.equal(stamps.length, 1, `one folder per deploy: ${stamps}`);
      const kept = join(s.ws.base, "orphans", name, stamps[0]!);
      assert.equal(await Deno.readTextFile(join(kept, "data", "state.db")), "precious\n");
      assert.equal(await Deno.readTextFile(join(kept, "cache.txt")), "also kept\n");
      const left = [];
      for await (const entry of Deno.readDir(running)) left.push(entry.name);
      assert.deepEqual(left.sort(), ["compose.yaml", "deploy.yaml", "version.txt"]);
    }),
});

Deno.test({
  name: "run keeps a named volume across a redeploy",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const volume = '    volumes: ["data:/data"]\nvolumes:\n  data: {}\n';
      await s.commit(stackFiles(name, shCompose("echo v1 > /data/v1; exec sleep 3600", volume)));
      assert.equal((await s.run()).code, 0);
      // v2 is healthy only if v1's file is still in the volume.
      const v2 = shCompose(
        "exec sleep 3600",
        `    healthcheck:
      test: ["CMD", "test", "-f", "/data/v1"]
      interval: 1s
      retries: 1
${volume}`,
      );
      await s.commit(stackFiles(name, v2));

      const r = await s.run();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(outcomeLines(r).map((l) => l.result), ["deployed"]);
      assert.ok(allHealthy(await containersOf(name)));
      const inspect = await daxRunner.run(["docker", "volume", "inspect", `${name}_data`]);
      assert.equal(inspect.code, 0, inspect.stderr);
    }),
});

Deno.test({
  name: "run with jobs: 2 deploys two slow stacks side by side",
  ignore,
  fn: () =>
    withScene({ jobs: 2 }, async (s) => {
      const slow = shCompose(
        "sleep 5; touch /ready; exec sleep 3600",
        `    healthcheck:
      test: ["CMD", "test", "-f", "/ready"]
      interval: 1s
      retries: 1
`,
      );
      const a = s.name("a");
      const b = s.name("b");
      await s.commit({
        ...stackFiles(a, slow, { health_timeout: "30s" }),
        ...stackFiles(b, slow, { health_timeout: "30s" }),
      });

      const r = await s.run();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        outcomeLines(r).map((l) => [l.stack, l.result]),
        [
          [a, "deployed"],
          [b, "deployed"],
        ].sort(),
      );
      // Each deploy's span, from its history entry: they must overlap.
      const spans = (await s.history()).map((e) => {
        const end = Date.parse(e.time);
        return { start: end - e.duration_ms, end, ms: e.duration_ms };
      });
      assert.equal(spans.length, 2);
      for (const span of spans) assert.ok(span.ms >= 5_000, `a deploy took ${span.ms} ms`);
      // Side by side, each one's 5 s wait for health falls mostly within the other's
      // (one after the other, they would not overlap at all). No wall-clock bound:
      // how long Docker takes on a loaded host is not what this proves.
      const [x, y] = spans;
      assert.ok(x && y);
      const overlap = Math.min(x.end, y.end) - Math.max(x.start, y.start);
      assert.ok(overlap >= 3_000, `the deploys overlapped ${overlap} ms: ${JSON.stringify(spans)}`);
    }),
});

Deno.test({
  name: "run starts the good version again when its containers vanish while the repo's is bad",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const v1 = await s.commit(stackFiles(name, webCompose()));
      assert.equal((await s.run()).code, 0);
      await s.commit(stackFiles(name, webCompose({ healthy: false })));
      assert.equal((await s.run()).code, 1);
      const down = await daxRunner.run([...COMPOSE, "-p", name, "down"]);
      assert.equal(down.code, 0, down.stderr);

      const r = await s.run();
      assert.equal(r.code, 1, "the repo's version is still bad");
      const [line] = outcomeLines(r);
      assert.equal(line?.result, "skipped_bad");
      assert.match(line?.message ?? "", /containers were missing: started again: healthy/);
      const containers = await containersOf(name);
      assert.ok(containers.length === 1 && allHealthy(containers), JSON.stringify(containers));
      const version = await Deno.readTextFile(
        join(s.ws.base, "running_stacks", name, "version.txt"),
      );
      assert.equal(version.split("\n")[0], v1);
    }),
});
