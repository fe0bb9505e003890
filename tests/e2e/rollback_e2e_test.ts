/**
 * End-to-end tests of `autostack rollback NAME` with the simple method: the
 * good copy goes back in place with the health gate and the version it
 * replaces is marked bad; with the good version already running healthy, the
 * healthy version before it (a kept release) goes back, or `--to COMMIT` names
 * one; with none kept, the stack is left alone.
 * @module
 */
import assert from "node:assert/strict";
import { SKIP_DOCKER } from "./_docker.ts";
import { webCompose } from "./_harness.ts";
import { allHealthy, containersOf, outcomeLines, stackFiles, withScene } from "./_scene.ts";

const ignore = SKIP_DOCKER;

Deno.test({
  name: "rollback NAME puts the good version back and marks the one it replaces bad",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const v1 = await s.commit(stackFiles(name, webCompose()));
      const tree1 = await s.repo.tree(name);
      assert.equal((await s.run()).code, 0);
      // Deployed blind, v2 is never seen healthy: good_stacks keeps v1.
      const v2 = await s.commit(
        stackFiles(name, webCompose({ extra: "    labels: [v2]\n" }), { method: "blind" }),
      );
      const tree2 = await s.repo.tree(name);
      assert.equal((await s.run()).code, 0);

      const back = await s.ws.run(["rollback", name]);
      assert.equal(back.code, 0, back.stderr);
      const [line] = outcomeLines(back);
      assert.deepEqual([line?.result, line?.commit], ["rolled_back", v1.slice(0, 7)]);
      assert.equal(line?.message, `rolled back by hand to ${v1.slice(0, 7)}: healthy`);
      assert.deepEqual(await s.version(name), [v1, `tree ${tree1}`]);
      assert.equal((await s.bad())[name]?.tree, tree2);
      assert.ok(allHealthy(await containersOf(name)));

      // The next run does not deploy v2 again: it is held back as bad.
      const next = await s.run();
      assert.equal(next.code, 1);
      assert.deepEqual(await s.version(name), [v1, `tree ${tree1}`]);
      const [skip] = outcomeLines(next);
      assert.deepEqual([skip?.result, skip?.commit], ["skipped_bad", v2.slice(0, 7)]);
      assert.match(skip?.message ?? "", /rolled back by hand \(autostack rollback\)$/);
      assert.deepEqual((await s.history()).map((e) => [e.result, e.commit]), [
        ["deployed", v1],
        ["deployed", v2],
        ["rolled_back", v1],
        ["skipped_bad", v2],
      ]);
    }),
});

Deno.test({
  name: "rollback NAME with the good version running healthy says so and touches nothing",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const v1 = await s.commit(stackFiles(name, webCompose()));
      assert.equal((await s.run()).code, 0);
      const [before] = await containersOf(name);

      const r = await s.ws.run(["rollback", name]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.equal(
        r.stderr.trim(),
        `autostack: stack "${name}": nothing to roll back to: the good version ${
          v1.slice(0, 7)
        } is the one running, and it is healthy, and no older healthy version is kept ` +
          "(keep_releases; or revert the commit in the repo to go back further)",
      );
      const after = await containersOf(name);
      assert.deepEqual(after.map((c) => c.id), [before?.id], "the container was not restarted");
      assert.deepEqual(await s.bad(), {});
      assert.equal((await s.history()).length, 1);
    }),
});

Deno.test({
  name: "rollback NAME after two healthy deploys returns to the first; --to picks a kept one",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      const v1 = await s.commit(stackFiles(name, webCompose()));
      const tree1 = await s.repo.tree(name);
      assert.equal((await s.run()).code, 0);
      const v2 = await s.commit(stackFiles(name, webCompose({ extra: "    labels: [v2]\n" })));
      const tree2 = await s.repo.tree(name);
      assert.equal((await s.run()).code, 0);
      assert.deepEqual(await s.version(name, "good_stacks"), [v2, `tree ${tree2}`]);

      const back = await s.ws.run(["rollback", name]);
      assert.equal(back.code, 0, back.stderr);
      assert.deepEqual(await s.version(name), [v1, `tree ${tree1}`]);
      assert.equal((await s.bad())[name]?.tree, tree2);
      assert.ok(allHealthy(await containersOf(name)));

      const unknown = await s.ws.run(["rollback", name, "--to", "abcdef0"]);
      assert.equal(unknown.code, 2);
      assert.match(
        unknown.stderr,
        new RegExp(
          `no kept version has commit abcdef0 \\(kept: ${v1.slice(0, 7)}, ${v2.slice(0, 7)}\\)`,
        ),
      );

      const forth = await s.ws.run(["rollback", name, "--to", v2.slice(0, 8)]);
      assert.equal(forth.code, 0, forth.stderr);
      assert.deepEqual(await s.version(name), [v2, `tree ${tree2}`]);
      assert.equal((await s.bad())[name]?.tree, tree1);
      assert.ok(allHealthy(await containersOf(name)));
    }),
});
