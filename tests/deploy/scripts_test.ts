import { memoryLogger } from "../_fakes.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runScript, type ScriptRun } from "../../lib/deploy/mod.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "autostack_scripts_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

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
