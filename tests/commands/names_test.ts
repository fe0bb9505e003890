import assert from "node:assert/strict";
import { unknownName } from "../../lib/names.ts";
import { UsageError } from "../../lib/errors.ts";

Deno.test("unknownName() is a usage error listing the known names, sorted, when they are few", () => {
  const e = unknownName("history", "nosuch", "in the history", ["web", "api", "web"]);
  assert.ok(e instanceof UsageError);
  assert.equal(e.exitCode, 2);
  assert.equal(e.message, 'history: no stack "nosuch" in the history (known: api, web)');
});

Deno.test("unknownName() says there is none, and lists nothing when there are many", () => {
  assert.match(unknownName("rollback", "x", "deployed here", []).message, /\(there is none\)$/);
  const many = Array.from({ length: 11 }, (_, i) => `s${i}`);
  assert.equal(
    unknownName("rollback", "x", "deployed here", many).message,
    'rollback: no stack "x" deployed here',
  );
});
