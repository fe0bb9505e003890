import { memoryLogger } from "../_fakes.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { MAX_LINE_CHARS, runScript, type ScriptRun } from "../../lib/deploy/mod.ts";
import { type Logger, streamLogger } from "../../lib/log.ts";
import { withTempDir } from "../_temp.ts";

function script(cwd: string, command: string, extra: Partial<ScriptRun> = {}): ScriptRun {
  return {
    phase: "pre_deploy",
    command,
    cwd,
    timeoutMs: 10_000,
    env: {
      AUTOSTACK_STACK: "web",
      AUTOSTACK_COMMIT: "c0ffee",
      AUTOSTACK_TREE: "a1b2c3",
      AUTOSTACK_PREVIOUS_COMMIT: "bada55",
      AUTOSTACK_RUNNING_DIR: "/srv/autostack/running_stacks/web",
    },
    ...extra,
  };
}

/** A killed process may linger as a zombie until its new parent reaps it: that is gone too. */
function processRuns(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Whether `pid` is gone within a second: exit closes its files a moment before it is a zombie. */
async function goneSoon(pid: number): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    if (!processRuns(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

Deno.test("runScript() runs sh -c in the folder with the AUTOSTACK variables on the inherited environment", () =>
  withTempDir(async (dir) => {
    const logger = memoryLogger();
    const result = await runScript(
      script(
        dir,
        'pwd; echo "$AUTOSTACK_STACK $AUTOSTACK_COMMIT $AUTOSTACK_TREE $AUTOSTACK_PREVIOUS_COMMIT"; ' +
          'echo "$AUTOSTACK_RUNNING_DIR $AUTOSTACK_PHASE"; test -n "$PATH" && echo inherited',
      ),
      logger,
    );
    const lines = [
      await Deno.realPath(dir),
      "web c0ffee a1b2c3 bada55",
      "/srv/autostack/running_stacks/web pre_deploy",
      "inherited",
    ];
    assert.deepEqual(result, {
      ok: true,
      code: 0,
      timedOut: false,
      output: lines.join("\n"),
      tail: lines.join("\n"),
    });
    assert.deepEqual(logger.lines, lines.map((line) => `autostack: [web pre_deploy] ${line}`));
  }));

Deno.test("runScript() keeps stdout and stderr in the order they were written", () =>
  withTempDir(async (dir) => {
    const result = await runScript(
      script(dir, "echo one; echo two >&2; echo three; printf 'no newline' >&2"),
      memoryLogger(),
    );
    assert.equal(result.output, "one\ntwo\nthree\nno newline");
  }));

Deno.test("runScript() reports a failing script with its exit code", () =>
  withTempDir(async (dir) => {
    const result = await runScript(
      script(dir, "echo migrating; exit 3", { phase: "post_deploy" }),
      memoryLogger(),
    );
    assert.equal(result.ok, false);
    assert.equal(result.code, 3);
    assert.equal(result.timedOut, false);
    assert.equal(result.tail, "migrating");
  }));

Deno.test("runScript() keeps only the last 20 lines in the tail", () =>
  withTempDir(async (dir) => {
    const result = await runScript(script(dir, "seq 1 50"), memoryLogger());
    assert.equal(result.output.split("\n").length, 50);
    assert.deepEqual(result.tail.split("\n"), Array.from({ length: 20 }, (_, i) => `${i + 31}`));
  }));

/** A logger that counts its lines and keeps the last few (millions of lines would not fit). */
function countingLogger(): { logger: Logger; seen: { count: number; last: string[] } } {
  const seen = { count: 0, last: [] as string[] };
  const logger = streamLogger("debug", (line) => {
    seen.count++;
    seen.last.push(line);
    if (seen.last.length > 3) seen.last.shift();
  });
  return { logger, seen };
}

Deno.test("runScript() keeps the last lines of 50 MB of short lines and at most a MiB of output", () =>
  withTempDir(async (dir) => {
    const { logger, seen } = countingLogger();
    // "line 1" … "line 4000000": 4 million lines, 51.9 MB.
    const result = await runScript(script(dir, "seq -f 'line %.0f' 1 4000000"), logger);
    assert.equal(result.ok, true);
    assert.equal(seen.count, 4_000_000, "every line is logged");
    assert.deepEqual(seen.last, [
      "autostack: [web pre_deploy] line 3999998",
      "autostack: [web pre_deploy] line 3999999",
      "autostack: [web pre_deploy] line 4000000",
    ]);
    assert.deepEqual(
      result.tail.split("\n"),
      Array.from({ length: 20 }, (_, i) => `line ${3_999_981 + i}`),
    );
    const [first = "", ...kept] = result.output.split("\n");
    assert.equal(first, `[… ${4_000_000 - kept.length} earlier lines cut]`);
    assert.equal(kept.at(-1), "line 4000000");
    assert.equal(kept[0], `line ${4_000_001 - kept.length}`, "the kept lines are the last ones");
    assert.ok(kept.join("\n").length <= 1 << 20, "at most a MiB is kept");
  }));

Deno.test("runScript() keeps 4 KiB of a 50 MB line and says how much it cut", () =>
  withTempDir(async (dir) => {
    const { logger, seen } = countingLogger();
    const result = await runScript(
      script(dir, "echo before; head -c 50000000 /dev/zero | tr '\\0' x; echo; echo after"),
      logger,
    );
    assert.equal(result.ok, true);
    const long = `${"x".repeat(MAX_LINE_CHARS)} [… ${
      50_000_000 - MAX_LINE_CHARS
    } more characters cut]`;
    assert.equal(MAX_LINE_CHARS, 4096);
    assert.equal(result.tail, `before\n${long}\nafter`);
    assert.equal(result.output, result.tail);
    assert.equal(seen.count, 3);
    assert.equal(seen.last[1], `autostack: [web pre_deploy] ${long}`, "the log line is cut too");
  }));

Deno.test("runScript() cuts a long last line without a newline, and only past 4 KiB", () =>
  withTempDir(async (dir) => {
    const result = await runScript(
      script(
        dir,
        "head -c 4096 /dev/zero | tr '\\0' a; echo; head -c 10000 /dev/zero | tr '\\0' b",
      ),
      memoryLogger(),
    );
    assert.equal(
      result.tail,
      `${"a".repeat(4096)}\n${"b".repeat(4096)} [… ${10_000 - 4096} more characters cut]`,
    );
  }));

Deno.test("runScript() drops the carriage return of CRLF lines", () =>
  withTempDir(async (dir) => {
    const result = await runScript(script(dir, "printf 'one\\r\\ntwo\\r\\n'"), memoryLogger());
    assert.equal(result.output, "one\ntwo");
  }));

Deno.test("runScript() kills the whole process group on timeout, grandchildren included", () =>
  withTempDir(async (dir) => {
    const pidFile = join(dir, "child.pid");
    const started = Date.now();
    const result = await runScript(
      script(dir, `sleep 100 & echo $! > ${pidFile}; sh -c 'sleep 100' ; echo never`, {
        timeoutMs: 300,
      }),
      memoryLogger(),
    );
    assert.ok(Date.now() - started < 5000, "returned soon after the timeout");
    assert.equal(result.ok, false);
    assert.equal(result.timedOut, true);
    assert.equal(result.code, 124);
    assert.match(result.tail, /killed after 300 ms/);
    const child = Number(await Deno.readTextFile(pidFile));
    assert.ok(await goneSoon(child), `grandchild ${child} is gone`);
  }));

Deno.test("runScript() does not hang on a background process that holds its output", () =>
  withTempDir(async (dir) => {
    const pidFile = join(dir, "child.pid");
    const logger = memoryLogger();
    const started = Date.now();
    const result = await runScript(
      script(dir, `sleep 100 & echo $! > ${pidFile}; echo done`),
      logger,
    );
    assert.ok(Date.now() - started < 5000, "returned soon after the script exited");
    assert.equal(result.ok, true);
    assert.equal(result.output, "done");
    assert.ok(logger.lines.some((line) => line.includes("left processes holding its output")));
    assert.ok(await goneSoon(Number(await Deno.readTextFile(pidFile))));
  }));

Deno.test("runScript() reports a folder it cannot start in as a failure, not a throw", () =>
  withTempDir(async (dir) => {
    const result = await runScript(script(join(dir, "missing"), "true"), memoryLogger());
    assert.equal(result.ok, false);
    assert.equal(result.code, 127);
    assert.match(result.output, /could not start the pre_deploy script in .*missing/);
  }));
