/**
 * The command line's edges, run as a user would (a real process, no Docker):
 * usage errors in one line, per-command help, a closed stdout, AUTOSTACK_LOG.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  BadClearJsonSchema,
  BadListJsonSchema,
  ErrorJsonSchema,
  HistoryJsonSchema,
} from "../../mod.ts";
import { CLI, cli, git, ROOT, Workspace } from "./_harness.ts";
import { VERSION } from "../../lib/about.ts";

const REPO = { repo: "https://example.invalid/stacks.git" };

/** A history line for `stack`, `i` minutes after a fixed time. */
function entry(stack: string, i: number): string {
  return JSON.stringify({
    time: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    stack,
    commit: "a".repeat(40),
    tree: "b".repeat(40),
    method: "simple",
    result: "deployed",
    duration_ms: 1200,
    message: `healthy, entry ${i}`,
    services: [],
    project: stack,
  });
}

async function withHistory(lines: string[], fn: (ws: Workspace) => Promise<void>) {
  const ws = await Workspace.create(REPO);
  try {
    await Deno.mkdir(ws.base, { recursive: true });
    await Deno.writeTextFile(join(ws.base, "history.jsonl"), lines.join("\n") + "\n");
    await fn(ws);
  } finally {
    await ws.cleanup();
  }
}

Deno.test("an unknown flag is one line naming it and the help to read, exit 2", async () => {
  const r = await cli(["run", "--frob"]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "autostack: run: unknown flag --frob (see autostack run --help)\n");
});

Deno.test("a wrong value says what is allowed, exit 2", async () => {
  const r = await cli(["history", "--limit", "-1"]);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'autostack: history: --limit must be a whole number, 0 or more (0 for all): "-1" (see autostack history --help)\n',
  );
});

Deno.test("run --help and help run show run's own flags and an example", async () => {
  for (const args of [["run", "--help"], ["help", "run"]]) {
    const r = await cli(args);
    assert.equal(r.code, 0, args.join(" "));
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^Usage: autostack run /m);
    assert.match(r.stdout, /^ {2}--dry-run +print the plan/m);
    assert.match(r.stdout, /^Example:\n {2}autostack run --dry-run --stack web$/m);
    assert.doesNotMatch(r.stdout, /autostack status/);
  }
});

Deno.test("the global help lists each command with one line", async () => {
  const r = await cli(["--help"]);
  assert.equal(r.code, 0);
  for (const name of ["run", "status", "history", "bad", "rollback", "watch", "validate"]) {
    assert.match(r.stdout, new RegExp(`^  ${name} +\\S`, "m"), name);
  }
  assert.match(r.stdout, /^ {2}history +the deploy history, newest first \(--json\)$/m);
});

Deno.test("a closed stdout ends history quietly with exit 0, no stack trace", async () => {
  const lines = Array.from({ length: 3000 }, (_, i) => entry("web", i));
  await withHistory(lines, async (ws) => {
    const script = `"$0" "$@" | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`;
    const out = await new Deno.Command("bash", {
      args: ["-c", script, ...CLI, "history", "--limit", "0", "--config", ws.config],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.match(stdout, /^TIME +STACK +RESULT/);
    assert.equal(stdout.split("\n").length, 2, "head kept one line");
    assert.equal(stderr, "exit=0\n");
  });
});

Deno.test("an unknown AUTOSTACK_LOG warns once and falls back to warn", async () => {
  await withHistory([entry("web", 1)], async (ws) => {
    const r = await ws.run(["history"], { AUTOSTACK_LOG: "verbose" });
    assert.equal(r.code, 0);
    assert.equal(
      r.stderr,
      'autostack: warning: AUTOSTACK_LOG="verbose" is not a level (debug, info, warn, error): using warn\n',
    );
    assert.match(r.stdout, /healthy, entry 1/);
    const quiet = await ws.run(["history"], { AUTOSTACK_LOG: "error" });
    assert.equal(quiet.stderr, "");
  });
});

Deno.test("history --stack with a name not in the history is exit 2, listing the names there are", async () => {
  await withHistory([entry("web", 1), entry("api", 2)], async (ws) => {
    const r = await ws.run(["history", "--stack", "nosuch"]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      'autostack: history: no stack "nosuch" in the history (known: api, web)\n',
    );
    const ok = await ws.run(["history", "--stack", "api"]);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /healthy, entry 2/);
    assert.doesNotMatch(ok.stdout, /entry 1/);
  });
});

Deno.test("rollback of a stack not deployed here is exit 2, listing the stacks there are", async () => {
  await withHistory([], async (ws) => {
    await Deno.mkdir(join(ws.base, "running_stacks", "web"), { recursive: true });
    const r = await ws.run(["rollback", "nosuch"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'autostack: rollback: no stack "nosuch" deployed here (known: web)\n');
  });
});

Deno.test("bad clear of a stack with no mark is exit 2, listing the marked ones", async () => {
  await withHistory([], async (ws) => {
    const mark = { tree: "b".repeat(40), commit: "a".repeat(40), marked_at: "x", reason: "r" };
    await Deno.writeTextFile(join(ws.base, "bad.json"), JSON.stringify({ web: mark }));
    const r = await ws.run(["bad", "clear", "nosuch"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'autostack: bad clear: no stack "nosuch" marked bad (known: web)\n');
    const cleared = await ws.run(["bad", "clear", "web"]);
    assert.equal(cleared.code, 0);
    const again = await ws.run(["bad", "clear", "web"]);
    assert.equal(again.code, 2);
    assert.equal(again.stderr, 'autostack: bad clear: no stack "web" marked bad (there is none)\n');
  });
});

Deno.test("history --json is one document of entries that fits its schema", async () => {
  await withHistory([entry("web", 1), entry("api", 2)], async (ws) => {
    const r = await ws.run(["history", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const doc = HistoryJsonSchema.parse(JSON.parse(r.stdout));
    assert.deepEqual(doc.entries.map((e) => [e.stack, e.at]), [
      ["api", "2026-01-01T00:02:00.000Z"],
      ["web", "2026-01-01T00:01:00.000Z"],
    ]);
  });
});

Deno.test("bad list --json is an array of marks, and bad clear --json names the mark lifted", async () => {
  await withHistory([], async (ws) => {
    const mark = {
      tree: "b".repeat(40),
      commit: "a".repeat(40),
      marked_at: "2026-01-01T00:00:00.000Z",
      reason: "r",
    };
    await Deno.writeTextFile(join(ws.base, "bad.json"), JSON.stringify({ web: mark, api: mark }));
    const list = await ws.run(["bad", "list", "--json"]);
    assert.equal(list.code, 0, list.stderr);
    const marks = BadListJsonSchema.parse(JSON.parse(list.stdout)).marks;
    assert.deepEqual(marks.map((m) => [m.stack, m.at]), [
      ["api", mark.marked_at],
      ["web", mark.marked_at],
    ]);
    const clear = await ws.run(["bad", "clear", "web", "--json"]);
    assert.equal(clear.code, 0, clear.stderr);
    assert.equal(BadClearJsonSchema.parse(JSON.parse(clear.stdout)).cleared.stack, "web");
    const after = BadListJsonSchema.parse(JSON.parse((await ws.run(["bad", "--json"])).stdout));
    assert.deepEqual(after.marks.map((m) => m.stack), ["api"]);
  });
});

Deno.test("a failure with --json is an error document on stdout and the same line on stderr", async () => {
  await withHistory([entry("web", 1)], async (ws) => {
    const r = await ws.run(["history", "--stack", "nosuch", "--json"]);
    assert.equal(r.code, 2);
    const line = 'history: no stack "nosuch" in the history (known: web)';
    assert.equal(r.stderr, `autostack: ${line}\n`);
    assert.deepEqual(ErrorJsonSchema.parse(JSON.parse(r.stdout)), {
      schema_version: 1,
      error: { message: line, code: 2 },
    });
  });
  const usage = await cli(["run", "--frob", "--json"]);
  assert.equal(usage.code, 2);
  assert.equal(ErrorJsonSchema.parse(JSON.parse(usage.stdout)).error.code, 2);
});

Deno.test("history's table shows local time with its offset, or UTC; its JSON keeps Z", async () => {
  await withHistory([entry("web", 1)], async (ws) => {
    const utc = await ws.run(["history"], { TZ: "UTC" });
    assert.match(utc.stdout, /^2026-01-01 00:01:00 UTC +web +deployed/m);
    const india = await ws.run(["history"], { TZ: "Asia/Kolkata" });
    assert.match(india.stdout, /^2026-01-01 05:31:00 \+05:30 +web +deployed/m);
    const json = await ws.run(["history", "--json"], { TZ: "Asia/Kolkata" });
    assert.equal(
      HistoryJsonSchema.parse(JSON.parse(json.stdout)).entries[0]?.at,
      "2026-01-01T00:01:00.000Z",
    );
  });
});

Deno.test("history shows the newest 20 by default, all with --limit 0, and reads history.jsonl.1", async () => {
  const lines = Array.from({ length: 30 }, (_, i) => entry("web", i));
  await withHistory(lines.slice(10), async (ws) => {
    await Deno.writeTextFile(
      join(ws.base, "history.jsonl.1"),
      lines.slice(0, 10).join("\n") + "\n",
    );
    const rows = (r: { stdout: string }) => r.stdout.trim().split("\n").slice(1);
    const plain = await ws.run(["history"]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(rows(plain).length, 20);
    assert.match(rows(plain)[0]!, /entry 29$/);
    const all = await ws.run(["history", "--limit", "0", "--json"]);
    const entries = HistoryJsonSchema.parse(JSON.parse(all.stdout)).entries;
    assert.equal(entries.length, 30);
    assert.equal(entries.at(-1)?.message, "healthy, entry 0");
  });
});

Deno.test("history --since keeps only the entries newer than the duration", async () => {
  const now = Date.now();
  const at = (ago: number, i: number) =>
    JSON.stringify({ ...JSON.parse(entry("web", i)), time: new Date(now - ago).toISOString() });
  await withHistory([at(3 * 86_400_000, 1), at(3_600_000, 2)], async (ws) => {
    const r = await ws.run(["history", "--since", "2d", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const entries = HistoryJsonSchema.parse(JSON.parse(r.stdout)).entries;
    assert.deepEqual(entries.map((e) => e.message), ["healthy, entry 2"]);
    const none = await ws.run(["history", "--since", "30m"]);
    assert.equal(none.stdout, "no entries match\n");
  });
});

Deno.test("--version names deno.json's version and the commit the program comes from", async () => {
  const r = await cli(["--version"]);
  assert.equal(r.code, 0, r.stderr);
  const head = (await git(ROOT, "rev-parse", "--short=12", "HEAD")).trim();
  // From the sources: the checkout's commit; a built file (AUTOSTACK_BIN): the commit of its build.
  const origin = Deno.env.get("AUTOSTACK_BIN")
    ? `built from commit ${head}(-dirty)?`
    : `source, commit ${head}`;
  assert.match(
    r.stdout,
    new RegExp(`^autostack ${VERSION.replaceAll(".", "\\.")} \\(${origin}\\)\\n$`),
  );
});
