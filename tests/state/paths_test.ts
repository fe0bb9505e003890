/**
 * Unit tests of where state lives under base_dir.
 * @module
 */
import assert from "node:assert/strict";
import { statePaths } from "../../lib/state/mod.ts";

Deno.test("statePaths() lays out base_dir as docs/how-it-works.md#state says", () => {
  const paths = statePaths("/srv/autostack");
  assert.equal(paths.repo, "/srv/autostack/repo");
  assert.equal(paths.running("web"), "/srv/autostack/running_stacks/web");
  assert.equal(paths.good("web"), "/srv/autostack/good_stacks/web");
  assert.equal(paths.orphans("web"), "/srv/autostack/orphans/web");
  assert.equal(paths.bad, "/srv/autostack/bad.json");
  assert.equal(paths.history, "/srv/autostack/history.jsonl");
  assert.equal(paths.lock, "/srv/autostack/autostack.lock");
});

Deno.test("statePaths() refuses a stack name that would leave its folder", () => {
  const paths = statePaths("/srv/autostack");
  for (const name of ["", "..", "a/b"]) assert.throws(() => paths.running(name));
});
