/**
 * End-to-end tests of `autostack run`'s outcomes against real Docker: the CLI
 * runs as a subprocess on a real stacks repo, and each test checks what an
 * operator sees (exit code, output), the state files and the containers.
 * @module
 */
import { daxRunner } from "../../lib/process.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { SKIP_DOCKER } from "./_docker.ts";
import { webCompose } from "./_harness.ts";
import {
  allHealthy,
  containersOf,
  outcomeLines,
  shCompose,
  stackFiles,
  waitContainers,
  withScene,
} from "./_scene.ts";

const ignore = SKIP_DOCKER;

Deno.test({
  name: "run deploys a new healthy stack and records deployed",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const commit = await s.commit(stackFiles(name, webCompose()));
      const tree = await s.repo.tree(name);

      const r = await s.run();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      assert.deepEqual(outcomeLines(r), [
        { stack: name, result: "deployed", commit: commit.slice(0, 7), message: "healthy" },
      ]);
      const history = await s.history();
      assert.equal(history.length, 1);
      assert.deepEqual(
        { ...history[0], time: "", duration_ms: 0 },
        {
          time: "",
          stack: name,
          commit,
          tree,
          method: "simple",
          result: "deployed",
          duration_ms: 0,
          message: "healthy",
          services: [],
          project: name,
        },
      );
      assert.deepEqual(await s.bad(), {});
      assert.deepEqual(await s.version(name), [commit, `tree ${tree}`]);
      assert.equal(
        await Deno.readTextFile(join(s.ws.base, "running_stacks", name, "compose.yaml")),
        webCompose(),
      );
      const containers = await containersOf(name);
      assert.equal(containers.length, 1);
      assert.ok(allHealthy(containers), JSON.stringify(containers));
    }),
});

Deno.test({
  name: "run rolls an unhealthy new version back to the good one and marks it bad",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const v1 = await s.commit(stackFiles(name, webCompose()));
      const tree1 = await s.repo.tree(name);
      assert.equal((await s.run()).code, 0);
      const v2 = await s.commit(stackFiles(name, webCompose({ healthy: false })));
      const tree2 = await s.repo.tree(name);

      const r = await s.run();
      assert.equal(r.code, 1);
      const [line] = outcomeLines(r);
      assert.equal(line?.stack, name);
      assert.equal(line?.result, "rolled_back");
      assert.equal(line?.commit, v2.slice(0, 7));
      assert.match(line?.message ?? "", /web: unhealthy/);
      assert.match(line?.message ?? "", new RegExp(`back on ${v1.slice(0, 7)}`));
      assert.match(r.stderr, new RegExp(`^autostack: stack "${name}": rolled_back: not healthy`));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);

      const history = await s.history();
      assert.deepEqual(history.map((e) => [e.result, e.commit, e.tree]), [
        ["deployed", v1, tree1],
        ["rolled_back", v2, tree2],
      ]);
      assert.deepEqual(history[1]?.services.map((f) => [f.service, f.state]), [
        ["web", "unhealthy"],
      ]);
      const bad = await s.bad();
      assert.deepEqual(Object.keys(bad), [name]);
      assert.equal(bad[name]?.tree, tree2);
      assert.equal(bad[name]?.commit, v2);
      assert.match(bad[name]?.reason ?? "", /web: unhealthy/);

      assert.deepEqual(await s.version(name), [v1, `tree ${tree1}`]);
      assert.equal(
        await Deno.readTextFile(join(s.ws.base, "running_stacks", name, "compose.yaml")),
        webCompose(),
        "running_stacks holds v1's files",
      );
      assert.deepEqual(await s.version(name, "good_stacks"), [v1, `tree ${tree1}`]);
      const containers = await containersOf(name);
      assert.equal(containers.length, 1);
      assert.ok(allHealthy(containers), JSON.stringify(containers));
    }),
});

Deno.test({
  name: "run stops, and keeps, a failing first version that has no good version to go back to",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const commit = await s.commit(stackFiles(name, webCompose({ healthy: false })));
      const tree = await s.repo.tree(name);

      const r = await s.run();
      assert.equal(r.code, 1);
      const [line] = outcomeLines(r);
      assert.equal(line?.result, "failed");
      assert.match(line?.message ?? "", /no good version to go back to: stopped/);
      assert.match(r.stderr, new RegExp(`^autostack: stack "${name}": failed: `));
      assert.deepEqual((await s.history()).map((e) => e.result), ["failed"]);
      assert.equal((await s.bad())[name]?.tree, tree);
      const [first, second] = await s.version(name);
      assert.deepEqual([first, second], [commit, `tree ${tree}`]);
      const containers = await containersOf(name);
      assert.deepEqual(containers.map((c) => [c.service, c.state]), [["web", "exited"]]);
    }),
});

Deno.test({
  name: "run skips a bad version with exit 1, printing and recording the skip only once",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const badFiles = stackFiles(name, webCompose({ healthy: false }));
      await s.commit(badFiles);
      assert.equal((await s.run()).code, 1);
      // The failure that marked it said it all: the skips that follow add nothing.
      const quiet = await s.run();
      assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [1, "", ""]);
      assert.deepEqual((await containersOf(name)).map((c) => c.state), ["exited"]);
      await s.commit(stackFiles(name, shCompose("exec sleep 3600")));
      assert.equal((await s.run()).code, 0);
      const back = await s.commit(badFiles);

      const skipped = await s.run();
      assert.equal(skipped.code, 1);
      const [line] = outcomeLines(skipped);
      assert.deepEqual([line?.stack, line?.result, line?.commit], [
        name,
        "skipped_bad",
        back.slice(0, 7),
      ]);
      assert.match(line?.message ?? "", /^version marked bad \S+: not healthy: web: unhealthy/);
      assert.match(skipped.stderr, new RegExp(`^autostack: stack "${name}": skipped_bad: `));
      assert.equal(skipped.stderr.trim().split("\n").length, 1, skipped.stderr);

      const again = await s.run();
      assert.deepEqual([again.code, again.stdout, again.stderr], [1, "", ""]);
      const history = await s.history();
      assert.deepEqual(history.map((e) => e.result), ["failed", "deployed", "skipped_bad"]);
      assert.equal(history[2]?.commit, back);
      assert.ok(allHealthy(await containersOf(name)), "the good version keeps running");
    }),
});

Deno.test({
  name: "run --force deploys a version marked bad, and a healthy one loses its mark",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const commit = await s.commit(stackFiles(name, webCompose()));
      const tree = await s.repo.tree(name);
      const mark = { tree, commit, marked_at: new Date().toISOString(), reason: "by hand" };
      await Deno.mkdir(s.ws.base, { recursive: true });
      await Deno.writeTextFile(join(s.ws.base, "bad.json"), JSON.stringify({ [name]: mark }));

      const skipped = await s.run();
      assert.equal(skipped.code, 1);
      assert.deepEqual(outcomeLines(skipped).map((l) => l.result), ["skipped_bad"]);
      const quiet = await s.run();
      assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [1, "", ""]);
      assert.deepEqual(await containersOf(name), []);

      const forced = await s.run(["--force"]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.deepEqual(outcomeLines(forced).map((l) => l.result), ["deployed"]);
      assert.ok(allHealthy(await containersOf(name)));
      assert.deepEqual(await s.bad(), {}, "a version seen healthy is no longer bad");

      const after = await s.run();
      assert.deepEqual([after.code, after.stdout, after.stderr], [0, "", ""]);
      assert.deepEqual((await s.history()).map((e) => e.result), ["skipped_bad", "deployed"]);
    }),
});

Deno.test({
  name: "run records a failing pre_deploy as script_error and leaves the old version running",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const v1 = await s.commit(stackFiles(name, webCompose()));
      const tree1 = await s.repo.tree(name);
      assert.equal((await s.run()).code, 0);
      const [before] = await containersOf(name);
      const v2 = await s.commit(
        stackFiles(name, webCompose({ healthy: false }), {
          pre_deploy: 'echo "phase $AUTOSTACK_PHASE of $AUTOSTACK_STACK"; exit 3',
        }),
      );

      const r = await s.run();
      assert.equal(r.code, 1);
      const [line] = outcomeLines(r);
      assert.equal(line?.result, "script_error");
      assert.equal(line?.commit, v2.slice(0, 7));
      assert.match(line?.message ?? "", /^pre_deploy failed \(exit code 3\)/);
      assert.match(r.stderr, new RegExp(`autostack: stack "${name}": script_error: pre_deploy`));
      const last = (await s.history()).at(-1);
      assert.equal(last?.result, "script_error");
      assert.match(last?.output ?? "", new RegExp(`phase pre_deploy of ${name}`));
      // Held back like a bad version: not tried (nor the old one restarted) every run.
      assert.match(line?.message ?? "", /version held back/);
      assert.deepEqual(Object.keys(await s.bad()), [name]);
      assert.equal((await s.bad())[name]?.tree, await s.repo.tree(name));
      assert.deepEqual(await s.version(name), [v1, `tree ${tree1}`]);
      const after = await waitContainers(name, allHealthy);
      assert.equal(after.length, 1);
      assert.equal(after[0]?.id, before?.id, "the old container was started again");
      const started = await startedAt(after[0]!.id);

      // The next runs touch nothing and say nothing, and still exit 1.
      for (let i = 0; i < 2; i++) {
        const again = await s.run();
        assert.deepEqual([again.code, again.stdout, again.stderr], [1, "", ""]);
      }
      const still = await containersOf(name);
      assert.equal(still[0]?.id, before?.id);
      assert.equal(await startedAt(still[0]!.id), started, "the old version was not restarted");
      assert.deepEqual((await s.history()).map((e) => e.result), ["deployed", "script_error"]);
    }),
});

/** When a container last started, as the engine says. */
async function startedAt(id: string): Promise<string> {
  const r = await daxRunner.run(["docker", "inspect", "--format", "{{.State.StartedAt}}", id]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

Deno.test({
  name: "run records a failing post_deploy as script_error and keeps the healthy new version",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const commit = await s.commit(
        stackFiles(name, shCompose("exec sleep 3600"), { post_deploy: "echo done; exit 4" }),
      );
      const tree = await s.repo.tree(name);

      const r = await s.run();
      assert.equal(r.code, 1);
      const [line] = outcomeLines(r);
      assert.equal(line?.result, "script_error");
      assert.match(line?.message ?? "", /^post_deploy failed \(exit code 4\): done; /);
      assert.deepEqual((await s.history()).map((e) => e.result), ["script_error"]);
      assert.deepEqual(await s.version(name), [commit, `tree ${tree}`]);
      assert.ok(allHealthy(await containersOf(name)));

      const again = await s.run();
      assert.deepEqual([again.code, again.stdout, again.stderr], [0, "", ""]);
    }),
});
