/**
 * End-to-end tests of the deploy rules of `autostack run` against real
 * Docker: the blind method, `mark_bad` off, one-shot services, and which
 * commits lift a bad mark (docs/how-it-works.md#deploy-steps, 6).
 * @module
 */
import assert from "node:assert/strict";
import { PlanJsonSchema } from "../../mod.ts";
import { SKIP_DOCKER, TEST_IMAGE } from "./_docker.ts";
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
  name: "run deploys a blind stack whose healthcheck fails and does not mark it bad",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const commit = await s.commit(
        stackFiles(name, webCompose({ healthy: false }), { method: "blind" }),
      );
      const tree = await s.repo.tree(name);

      const r = await s.run();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      assert.deepEqual(outcomeLines(r).map((l) => [l.result, l.message]), [
        ["deployed", "started (blind: no health check)"],
      ]);
      const [entry] = await s.history();
      assert.deepEqual([entry?.result, entry?.method, entry?.tree], ["deployed", "blind", tree]);
      assert.deepEqual(await s.bad(), {});
      assert.deepEqual(await s.version(name), [commit, `tree ${tree}`]);
      const containers = await containersOf(name);
      assert.deepEqual(containers.map((c) => c.state), ["running"]);

      const again = await s.run();
      assert.deepEqual([again.code, again.stdout, again.stderr], [0, "", ""]);
    }),
});

/** Two runs of a scene whose stacks all fail; returns the results per stack, oldest first. */
async function failTwice(
  s: { run(): Promise<{ code: number }>; history(): Promise<{ stack: string; result: string }[]> },
  names: string[],
): Promise<Record<string, string[]>> {
  assert.equal((await s.run()).code, 1);
  assert.equal((await s.run()).code, 1);
  const history = await s.history();
  return Object.fromEntries(
    names.map((n) => [n, history.filter((e) => e.stack === n).map((e) => e.result)]),
  );
}

Deno.test({
  name: "run with mark_bad: false in the config tries a failing version again on the next run",
  ignore,
  fn: () =>
    withScene({ mark_bad: false, jobs: 2 }, async (s) => {
      const plain = s.name("plain");
      const marked = s.name("marked");
      await s.commit({
        ...stackFiles(plain, webCompose({ healthy: false })),
        ...stackFiles(marked, webCompose({ healthy: false }), { mark_bad: true }),
      });
      assert.deepEqual(await failTwice(s, [plain, marked]), {
        [plain]: ["failed", "failed"],
        [marked]: ["failed"],
      });
      assert.deepEqual(Object.keys(await s.bad()), [marked], "a stack's own mark_bad wins");
    }),
});

Deno.test({
  name: "run with mark_bad: false in a stack's settings tries its failing version again",
  ignore,
  fn: () =>
    withScene({ jobs: 2 }, async (s) => {
      const off = s.name("off");
      const on = s.name("on");
      await s.commit({
        ...stackFiles(off, webCompose({ healthy: false }), { mark_bad: false }),
        ...stackFiles(on, webCompose({ healthy: false })),
      });
      assert.deepEqual(await failTwice(s, [off, on]), {
        [off]: ["failed", "failed"],
        [on]: ["failed"],
      });
      assert.deepEqual(Object.keys(await s.bad()), [on]);
      assert.deepEqual((await containersOf(off)).map((c) => c.state), ["exited"]);
    }),
});

Deno.test({
  name: "run counts a one-shot service that exits 0 as healthy and one that exits 1 as failed",
  ignore,
  fn: () =>
    withScene({ jobs: 2 }, async (s) => {
      const zero = s.name("zero");
      const one = s.name("one");
      const oneShot = (code: number) =>
        webCompose({
          extra: `  once:
    image: ${TEST_IMAGE}
    init: true
    network_mode: none
    command: ["sh", "-c", "exit ${code}"]
`,
        });
      await s.commit({
        ...stackFiles(zero, oneShot(0)),
        // A long timeout: a container that exited 1 must fail at once, not at the timeout.
        ...stackFiles(one, oneShot(1), { health_timeout: "60s" }),
      });

      const r = await s.run();
      assert.equal(r.code, 1);
      assert.ok(r.ms < 30_000, `an exit 1 fails without waiting (${Math.round(r.ms)} ms)`);
      const lines = outcomeLines(r);
      assert.deepEqual(
        lines.map((l) => [l.stack, l.result]).sort(),
        [
          [one, "failed"],
          [zero, "deployed"],
        ].sort(),
      );
      assert.match(
        lines.find((l) => l.stack === one)?.message ?? "",
        /once: exited \(exit code 1\)/,
      );
      const entry = (await s.history()).find((e) => e.stack === one);
      assert.deepEqual(entry?.services.find((f) => f.service === "once"), {
        service: "once",
        state: "exited",
        detail: "exit code 1",
      });
      const states = (await containersOf(zero)).map((c) => [c.service, c.state, c.exitCode]);
      assert.deepEqual(states.sort(), [["once", "exited", 0], ["web", "running", 0]]);
      assert.deepEqual(Object.keys(await s.bad()), [one]);

      const again = await s.run();
      assert.deepEqual([again.code, again.stdout, again.stderr], [1, "", ""]);
      assert.deepEqual((await s.history()).length, 2, "the bad version was skipped");
    }),
});

Deno.test({
  name: "a commit outside a bad stack's folder keeps it skipped and one inside it is tried",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const badFiles = stackFiles(name, webCompose({ healthy: false }));
      await s.commit(badFiles);
      assert.equal((await s.run()).code, 1);

      await s.commit({ "README.md": "stacks, now with docs\n" });
      const plan = await s.run(["--dry-run", "--json"]);
      assert.equal(plan.code, 0, plan.stderr);
      const planned = PlanJsonSchema.parse(JSON.parse(plan.stdout)).stacks.map((i) => [
        i.stack,
        i.status,
        i.action,
      ]);
      assert.deepEqual(planned, [[name, "bad", "skip_bad"]]);
      const skipped = await s.run();
      assert.deepEqual([skipped.code, skipped.stdout, skipped.stderr], [1, "", ""]);
      assert.deepEqual((await containersOf(name)).map((c) => c.state), ["exited"]);

      const fixed = await s.commit(stackFiles(name, shCompose("exec sleep 3600")));
      const tried = await s.run();
      assert.equal(tried.code, 0, tried.stderr);
      assert.deepEqual(outcomeLines(tried).map((l) => [l.result, l.commit]), [
        ["deployed", fixed.slice(0, 7)],
      ]);
      assert.ok(allHealthy(await containersOf(name)));
      assert.deepEqual((await s.history()).map((e) => e.result), ["failed", "deployed"]);
    }),
});
