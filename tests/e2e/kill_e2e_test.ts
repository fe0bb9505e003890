/**
 * End-to-end tests of the promise of docs/how-it-works.md#crash-safety that a run killed at any point (kill
 * -9) leaves state from which the next run converges, and of the run lock.
 * The CLI kills itself with SIGKILL at a deploy step through the test hook
 * `AUTOSTACK_TEST_KILL_AT=STEP:STACK`.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SKIP_DOCKER } from "./_docker.ts";
import { spawnCli, webCompose } from "./_harness.ts";
import {
  allHealthy,
  containersOf,
  outcomeLines,
  type Scene,
  stackFiles,
  waitContainers,
  withScene,
} from "./_scene.ts";

const ignore = SKIP_DOCKER;

/** Exit code of a process killed by SIGKILL (128 + 9). */
const KILLED = 137;

/** The second version: the same healthy web service with one more variable. */
const V2 = webCompose({ extra: '    environment:\n      VERSION: "2"\n' });

/** Deploys v1 of a new stack, commits v2, and returns the stack's name and v2's commit. */
async function v1ThenV2(s: Scene, v2 = V2): Promise<{ name: string; v2: string }> {
  const name = s.name();
  await s.commit(stackFiles(name, webCompose()));
  const first = await s.run();
  assert.equal(first.code, 0, first.stderr);
  return { name, v2: await s.commit(stackFiles(name, v2)) };
}

/** Runs once killed at `step` of stack `name`, asserting the kill and the lock left behind. */
async function killedAt(s: Scene, step: string, name: string): Promise<void> {
  const killed = await s.run([], { AUTOSTACK_TEST_KILL_AT: `${step}:${name}` });
  assert.equal(killed.code, KILLED, `killed at ${step}: ${killed.stderr}`);
  await Deno.stat(join(s.ws.base, "autostack.lock")); // the dead run's lock is still there
}

const STEPS = ["after_stop", "after_down", "after_clear", "after_copy", "waiting_health"];

for (const step of STEPS) {
  Deno.test({
    name: `run converges on the new version after a run killed at ${step}`,
    ignore,
    fn: () =>
      withScene({}, async (s) => {
        const { name, v2 } = await v1ThenV2(s);
        const tree = await s.repo.tree(name);
        await killedAt(s, step, name);
        if (step === "after_copy" || step === "waiting_health") {
          assert.match((await s.version(name))[2] ?? "", /^pending /);
        }

        const r = await s.run();
        assert.equal(r.code, 0, r.stderr);
        assert.match(
          r.stderr,
          /^autostack: warning: taking over the lock of process \d+: it is gone\n$/,
        );
        assert.deepEqual(outcomeLines(r).map((l) => [l.stack, l.result, l.commit]), [
          [name, "deployed", v2.slice(0, 7)],
        ]);
        assert.deepEqual(await s.version(name), [v2, `tree ${tree}`]);
        const history = await s.history();
        assert.deepEqual(history.map((e) => e.result), ["deployed", "deployed"]);
        assert.deepEqual([history[1]?.commit, history[1]?.tree], [v2, tree]);
        const running = join(s.ws.base, "running_stacks", name);
        assert.equal(await Deno.readTextFile(join(running, "compose.yaml")), V2);
        const containers = await containersOf(name);
        assert.equal(containers.length, 1, JSON.stringify(containers));
        assert.ok(allHealthy(containers), JSON.stringify(containers));
        await assert.rejects(() => Deno.stat(join(s.ws.base, "autostack.lock")));

        const again = await s.run();
        assert.deepEqual([again.code, again.stdout, again.stderr], [0, "", ""]);
      }),
  });
}

Deno.test({
  name: "a second run exits 75 with one line naming the run that holds the lock",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      await s.commit(stackFiles(name, webCompose(), { pre_deploy: "sleep 4" }));
      const lock = join(s.ws.base, "autostack.lock");
      const first = spawnCli(["run", "--config", s.ws.config], { cwd: s.ws.dir });
      try {
        // Wait until the first run has written its lock (it holds it for 4 s and more).
        const deadline = performance.now() + 20_000;
        while (!(await Deno.readTextFile(lock).catch(() => "")).includes(`"pid":${first.pid}`)) {
          assert.ok(performance.now() < deadline, "the first run never took the lock");
          await new Promise((resolve) => setTimeout(resolve, 50));
        }

        const second = await s.run();
        assert.equal(second.code, 75);
        assert.equal(second.stdout, "");
        const lines = second.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 1, second.stderr);
        assert.match(
          lines[0] ?? "",
          new RegExp(`^autostack: another run holds \\S*autostack\\.lock \\(pid ${first.pid} on `),
        );
      } finally {
        const done = await first.result;
        assert.equal(done.code, 0, done.stderr);
        assert.deepEqual(outcomeLines(done).map((l) => l.result), ["deployed"]);
      }
      assert.deepEqual((await s.history()).map((e) => e.result), ["deployed"]);
      await waitContainers(name, allHealthy, 1);
    }),
});
