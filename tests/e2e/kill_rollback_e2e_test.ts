/**
 * End-to-end tests of runs killed (kill -9) on the way to a rollback: the
 * next run must still reach the health gate, go back to the good version and
 * mark the bad one (docs/how-it-works.md#state, docs/how-it-works.md#crash-safety).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SKIP_DOCKER } from "./_docker.ts";
import { webCompose } from "./_harness.ts";
import {
  allHealthy,
  containersOf,
  outcomeLines,
  type Scene,
  stackFiles,
  withScene,
} from "./_scene.ts";

const ignore = SKIP_DOCKER;

/** Deploys a healthy v1, commits an unhealthy v2, runs killed at `step`, then runs again. */
async function killedOnTheWayToRollback(s: Scene, step: string) {
  const name = s.name();
  const v1 = await s.commit(stackFiles(name, webCompose()));
  const tree1 = await s.repo.tree(name);
  assert.equal((await s.run()).code, 0);
  const v2 = await s.commit(stackFiles(name, webCompose({ healthy: false })));
  const tree2 = await s.repo.tree(name);
  const killed = await s.run([], { AUTOSTACK_TEST_KILL_AT: `${step}:${name}` });
  assert.equal(killed.code, 137, `killed at ${step}: ${killed.stderr}`);
  const r = await s.run();
  return { name, v1, tree1, v2, tree2, r };
}

/** Asserts the rerun `r` rolled `name` back to v1 and marked v2 bad. */
async function assertRolledBack(
  s: Scene,
  { name, v1, tree1, v2, tree2, r }: Awaited<ReturnType<typeof killedOnTheWayToRollback>>,
) {
  assert.equal(r.code, 1, r.stderr);
  const [line] = outcomeLines(r);
  assert.deepEqual([line?.stack, line?.result, line?.commit], [
    name,
    "rolled_back",
    v2.slice(0, 7),
  ]);
  assert.match(line?.message ?? "", new RegExp(`back on ${v1.slice(0, 7)}`));
  assert.match(r.stderr, /taking over the lock of process \d+: it is gone/);
  assert.deepEqual((await s.history()).map((e) => e.result), ["deployed", "rolled_back"]);
  assert.deepEqual(
    Object.entries(await s.bad()).map(([stack, m]) => [stack, m.tree, m.commit]),
    [[name, tree2, v2]],
  );
  assert.deepEqual(await s.version(name), [v1, `tree ${tree1}`]);
  const running = join(s.ws.base, "running_stacks", name);
  assert.equal(await Deno.readTextFile(join(running, "compose.yaml")), webCompose());
  const containers = await containersOf(name);
  assert.equal(containers.length, 1, JSON.stringify(containers));
  assert.ok(allHealthy(containers), JSON.stringify(containers));
}

Deno.test({
  name: "a run killed after stopping the good version still rolls an unhealthy new one back",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      await assertRolledBack(s, await killedOnTheWayToRollback(s, "after_stop"));
    }),
});

Deno.test({
  name: "a run killed in the middle of a rollback converges on the good version next run",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      await assertRolledBack(s, await killedOnTheWayToRollback(s, "rollback_after_down"));
    }),
});
