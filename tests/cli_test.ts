import assert from "node:assert/strict";
import { onlyPrints, parseCommand } from "../lib/cli.ts";
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
    () => parseCommand(["history", "--limit", "x"]),
    /^UsageError: history: --limit must be a whole number, 0 or more \(0 for all\): "x" \(see autostack history --help\)$/,
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
  assert.deepEqual(parseCommand(["run", "--help"]), { kind: "help", command: "run" });
  assert.deepEqual(parseCommand(["help", "rollback"]), { kind: "help", command: "rollback" });
  assert.deepEqual(parseCommand(["bad", "clear", "web", "-h"]), { kind: "help", command: "bad" });
});

Deno.test("parseCommand() names an unknown flag and points to the command's help", () => {
  assert.throws(() => parseCommand(["run", "--frob"]), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.equal(e.exitCode, 2);
    assert.equal(e.message, "run: unknown flag --frob (see autostack run --help)");
    return true;
  });
  assert.throws(
    () => parseCommand(["status", "-x"]),
    /^UsageError: status: unknown flag -x \(see autostack status --help\)$/,
  );
});

Deno.test("parseCommand() says which flag needs a value, and which takes none", () => {
  assert.throws(
    () => parseCommand(["run", "-c"]),
    /^UsageError: run: --config needs a value \(see autostack run --help\)$/,
  );
  assert.throws(
    () => parseCommand(["history", "--limit"]),
    /^UsageError: history: --limit needs a value \(see autostack history --help\)$/,
  );
  assert.throws(
    () => parseCommand(["status", "--json=yes"]),
    /^UsageError: status: --json takes no value \(see autostack status --help\)$/,
  );
});

Deno.test("parseCommand() passes a negative number on as the value and says what is allowed", () => {
  for (const args of [["history", "--limit", "-1"], ["history", "--limit=-1"]]) {
    assert.throws(
      () => parseCommand(args),
      /^UsageError: history: --limit must be a whole number, 0 or more \(0 for all\): "-1" \(see autostack history --help\)$/,
    );
  }
  assert.throws(
    () => parseCommand(["watch", "--interval", "-5"]),
    /^UsageError: watch: --interval must be a positive duration such as 30s or 5m: "-5"/,
  );
});

Deno.test("parseCommand() refuses an unknown command, a help topic and a leading flag in one line", () => {
  assert.throws(
    () => parseCommand(["deploy"]),
    /^UsageError: unknown command "deploy" \(see autostack help\)$/,
  );
  assert.throws(
    () => parseCommand(["histroy"]),
    /^UsageError: unknown command "histroy" \(did you mean history\?\) \(see autostack help\)$/,
  );
  assert.throws(() => parseCommand(["help", "nosuch"]), /^UsageError: unknown command "nosuch"/);
  assert.throws(
    () => parseCommand(["--frob"]),
    /^UsageError: unknown flag --frob: a command comes first \(see autostack help\)$/,
  );
});

Deno.test("parseCommand() reads a --help after -- as an argument, not as help", () => {
  assert.throws(
    () => parseCommand(["rollback", "web", "--", "--help"]),
    /unexpected argument "--help"/,
  );
});

Deno.test("parseCommand() reads validate with its defaults: no PATH, no config", () => {
  assert.deepEqual(parseCommand(["validate"]), {
    kind: "validate",
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

Deno.test("parseCommand() reads validate --age-key-file F", () => {
  assert.deepEqual(parseCommand(["validate", "--age-key-file", "/etc/age.txt"]), {
    kind: "validate",
    config: undefined,
    json: false,
    strict: false,
    ageKeyFile: "/etc/age.txt",
  });
});

Deno.test("parseCommand() refuses validate with two paths or an unknown flag", () => {
  assert.throws(() => parseCommand(["validate", "a", "b"]), /validate: unexpected argument "b"/);
  assert.throws(() => parseCommand(["validate", "--strcit"]), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /^validate: .*--strcit/);
    return true;
  });
});

Deno.test("onlyPrints() is true for the commands that change nothing", () => {
  const prints = (args: string[]) => onlyPrints(parseCommand(args));
  for (const args of [["status"], ["history"], ["bad"], ["run", "--dry-run"], ["validate"], []]) {
    assert.equal(prints(args), true, args.join(" "));
  }
  for (const args of [["run"], ["bad", "clear", "web"], ["rollback", "web"], ["watch"]]) {
    assert.equal(prints(args), false, args.join(" "));
  }
});

Deno.test("parseCommand() gives history 20 entries by default, 0 for all, and reads --since", () => {
  const plain = parseCommand(["history"]);
  assert.ok(plain.kind === "history");
  assert.equal(plain.limit, 20);
  assert.equal(plain.since, undefined);
  const all = parseCommand(["history", "--limit", "0", "--since", "2d"]);
  assert.ok(all.kind === "history");
  assert.equal(all.limit, 0);
  assert.equal(all.since, 2 * 86_400_000);
  const hours = parseCommand(["history", "--since", "12h"]);
  assert.ok(hours.kind === "history" && hours.since === 12 * 3_600_000);
  assert.throws(
    () => parseCommand(["history", "--since", "yesterday"]),
    /history: --since must be a duration such as 2d, 12h or 30m: "yesterday"/,
  );
});

Deno.test("parseCommand() reads init with its defaults: base dir, the whole repo, no units", () => {
  assert.deepEqual(parseCommand(["init", "--repo", "https://git.example.com/stacks.git"]), {
    kind: "init",
    config: undefined,
    repo: "https://git.example.com/stacks.git",
    baseDir: "/var/lib/autostack",
    folders: ["."],
    systemd: false,
    unitDir: "/etc/systemd/system",
  });
});

Deno.test("parseCommand() reads init's folders repeated or comma-separated, and --systemd", () => {
  const c = parseCommand([
    "init",
    "--repo=/srv/stacks",
    "--folders",
    "apps, infra",
    "--folders=tools",
    "--base-dir",
    "base",
    "--systemd",
    "--unit-dir",
    "units",
    "-c",
    "a.yaml",
  ]);
  assert.deepEqual(c, {
    kind: "init",
    config: "a.yaml",
    repo: "/srv/stacks",
    baseDir: "base",
    folders: ["apps", "infra", "tools"],
    systemd: true,
    unitDir: "units",
  });
  assert.equal(onlyPrints(c), false);
});

Deno.test("parseCommand() refuses init without --repo, and --unit-dir without --systemd", () => {
  assert.throws(() => parseCommand(["init"]), /^UsageError: init: --repo URL is required/);
  assert.throws(
    () => parseCommand(["init", "--repo", "r", "--unit-dir", "u"]),
    /init: --unit-dir needs --systemd/,
  );
});
