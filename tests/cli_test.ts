import assert from "node:assert/strict";
import { parseCommand } from "../lib/cli.ts";
import { UsageError } from "../lib/errors.ts";

Deno.test("parseCommand() reads run with repeated --stack and flags", () => {
  assert.deepEqual(parseCommand(["run", "--dry-run", "--stack", "a", "--stack", "b", "--json"]), {
    kind: "run",
    config: undefined,
    dryRun: true,
    stacks: ["a", "b"],
    force: false,
    json: true,
  });
});

Deno.test("parseCommand() rejects an unknown flag with a usage error naming it", () => {
  assert.throws(() => parseCommand(["run", "--dryrun"]), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /run: .*--dryrun/);
    return true;
  });
});

Deno.test("parseCommand() rejects an unknown command", () => {
  assert.throws(() => parseCommand(["deploy"]), /unknown command "deploy"/);
});

Deno.test("parseCommand() reads history --limit and refuses a bad one", () => {
  const command = parseCommand(["history", "--limit", "5", "--stack", "web"]);
  assert.deepEqual(command, {
    kind: "history",
    config: undefined,
    stacks: ["web"],
    limit: 5,
    json: false,
  });
  assert.throws(
    () => parseCommand(["history", "--limit", "0"]),
    /--limit must be a positive integer: "0"/,
  );
});

Deno.test("parseCommand() reads bad list and bad clear NAME", () => {
  assert.equal(parseCommand(["bad"]).kind, "bad");
  assert.deepEqual(parseCommand(["bad", "clear", "web", "-c", "x.yaml"]), {
    kind: "bad",
    action: "clear",
    name: "web",
    config: "x.yaml",
    json: false,
  });
  assert.throws(() => parseCommand(["bad", "clear"]), /expected a stack name/);
});

Deno.test("parseCommand() shows help for no arguments and --help", () => {
  assert.equal(parseCommand([]).kind, "help");
  assert.equal(parseCommand(["run", "--help"]).kind, "help");
});

Deno.test("parseCommand() reads validate with its defaults: PATH ., no config", () => {
  assert.deepEqual(parseCommand(["validate"]), {
    kind: "validate",
    path: ".",
    config: undefined,
    json: false,
    strict: false,
  });
});

Deno.test("parseCommand() reads validate PATH --config F --json --strict", () => {
  assert.deepEqual(
    parseCommand(["validate", "stacks-repo", "--config", "a.yaml", "--json", "--strict"]),
    { kind: "validate", path: "stacks-repo", config: "a.yaml", json: true, strict: true },
  );
});

Deno.test("parseCommand() refuses validate with two paths or an unknown flag", () => {
  assert.throws(() => parseCommand(["validate", "a", "b"]), /validate: unexpected argument "b"/);
  assert.throws(() => parseCommand(["validate", "--strcit"]), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /^validate: .*--strcit/);
    return true;
  });
});
