/**
 * Unit tests of a deploy's hooks with tiny real `sh -c` scripts in a temp
 * folder (plain processes, no Docker): the `AUTOSTACK_*` environment a script
 * gets, a failing script as a `script_error` outcome, and the time limit.
 * @module
 */
import { memoryLogger } from "../_fakes.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { hookEnv, hookFailure, runHook } from "../../lib/deploy/mod.ts";
import { SETTINGS_DEFAULTS } from "../../lib/config/mod.ts";
import type { ScriptResult } from "../../lib/deploy/mod.ts";
import { statePaths } from "../../lib/state/mod.ts";
import { testContext, testDeps } from "../_deps.ts";

const HEAD = { commit: "c0ffee02", tree: "aaaa0000" };

/** Runs `test` with a context over a temp base_dir whose clone has the folder `stacks/web`. */
async function withStack(
  test: (
    setup: {
      ctx: ReturnType<typeof testContext>;
      dir: string;
      logger: ReturnType<typeof memoryLogger>;
    },
  ) => Promise<void>,
): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "autostack-hooks-" });
  try {
    const dir = join(statePaths(base).repo, "stacks", "web");
    await Deno.mkdir(dir, { recursive: true });
    const logger = memoryLogger();
    const ctx = testContext(base, HEAD, testDeps({ cwd: base, logger }));
    await test({ ctx, dir, logger });
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

/** A script result as runScript gives it, for hookFailure alone. */
function result(over: Partial<ScriptResult>): ScriptResult {
  return { ok: false, code: 1, timedOut: false, output: "", tail: "", ...over };
}

Deno.test("hookEnv() names the stack, this run's commit, the stack's tree, the replaced commit and the running folder", async () => {
  await withStack(({ ctx }) => {
    assert.deepEqual(hookEnv(ctx, "web", "bbbb1111", "deadbeef"), {
      AUTOSTACK_STACK: "web",
      AUTOSTACK_COMMIT: "c0ffee02",
      AUTOSTACK_TREE: "bbbb1111",
      AUTOSTACK_PREVIOUS_COMMIT: "deadbeef",
      AUTOSTACK_RUNNING_DIR: join(ctx.paths.base, "running_stacks", "web"),
    });
    // A first deploy replaces nothing: the variable is set, and empty.
    assert.equal(hookEnv(ctx, "web", "bbbb1111", undefined).AUTOSTACK_PREVIOUS_COMMIT, "");
    return Promise.resolve();
  });
});

Deno.test("runHook() runs the command with sh in the stack's folder with the AUTOSTACK_* variables and AUTOSTACK_PHASE", async () => {
  await withStack(async ({ ctx, dir, logger }) => {
    const env = hookEnv(ctx, "web", "bbbb1111", "deadbeef");
    const command = "pwd; for v in STACK COMMIT TREE PREVIOUS_COMMIT RUNNING_DIR PHASE; do " +
      'eval "echo $v=\\$AUTOSTACK_$v"; done; echo made > marker.txt';
    const script = await runHook(ctx, "pre_deploy", command, SETTINGS_DEFAULTS, dir, env);
    assert.equal(script.ok, true, script.output);
    assert.equal(script.code, 0);
    assert.equal(script.timedOut, false);
    assert.deepEqual(script.output.split("\n"), [
      await Deno.realPath(dir),
      "STACK=web",
      "COMMIT=c0ffee02",
      "TREE=bbbb1111",
      "PREVIOUS_COMMIT=deadbeef",
      `RUNNING_DIR=${env.AUTOSTACK_RUNNING_DIR}`,
      "PHASE=pre_deploy",
    ]);
    assert.equal(await Deno.readTextFile(join(dir, "marker.txt")), "made\n");
    // Each line of output goes to the log, named by stack and phase.
    assert.ok(
      logger.lines.some((l) => l.includes("[web pre_deploy] STACK=web")),
      logger.lines.join("\n"),
    );
  });
});

Deno.test("a failing hook becomes a script_error outcome that says what happened after and keeps the output tail", async () => {
  await withStack(async ({ ctx, dir }) => {
    const env = hookEnv(ctx, "web", "bbbb1111", "deadbeef");
    const command = "echo 'migrating 3 tables'; echo 'ERROR: relation users exists' >&2; exit 3";
    const script = await runHook(ctx, "pre_deploy", command, SETTINGS_DEFAULTS, dir, env);
    assert.equal(script.ok, false);
    assert.equal(script.code, 3);
    const outcome = hookFailure(
      "pre_deploy",
      script,
      "simple",
      "the old version was started again",
    );
    assert.deepEqual(outcome, {
      result: "script_error",
      message: "pre_deploy failed (exit code 3): ERROR: relation users exists; " +
        "the old version was started again",
      services: [],
      method: "simple",
      // stdout and stderr in the order written.
      output: "migrating 3 tables\nERROR: relation users exists",
    });
  });
});

Deno.test("a hook over its script_timeout is stopped with everything it started, and reported as timed out", async () => {
  await withStack(async ({ ctx, dir }) => {
    const env = hookEnv(ctx, "web", "bbbb1111", undefined);
    const settings = { ...SETTINGS_DEFAULTS, script_timeout: 300 };
    const command = "sleep 30 & echo $! > bg.pid; echo started; sleep 30; echo never";
    const started = performance.now();
    const script = await runHook(ctx, "post_deploy", command, settings, dir, env);
    const took = performance.now() - started;
    assert.ok(took < 5_000, `took ${took} ms`);
    assert.equal(script.ok, false);
    assert.equal(script.timedOut, true);
    assert.equal(script.code, 124);
    assert.equal(script.tail, "started\nkilled after 300 ms (script_timeout)");
    // The background sleep went with the script's process group.
    const pid = Number((await Deno.readTextFile(join(dir, "bg.pid"))).trim());
    assert.ok(pid > 0);
    assert.equal(await isGone(pid), true, `process ${pid} still runs`);

    const outcome = hookFailure("post_deploy", script, "simple", "the new version is healthy");
    assert.equal(
      outcome.message,
      "post_deploy failed (timed out): killed after 300 ms (script_timeout); " +
        "the new version is healthy",
    );
    assert.equal(outcome.result, "script_error");
    assert.equal(outcome.output, script.tail);
  });
});

/** Whether `pid` has exited (gone, or a zombie waiting to be reaped), within a second. */
async function isGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => undefined);
    // Field 3, after the parenthesised command name, is the state.
    if (stat === undefined || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

Deno.test("hookFailure() leaves out the quote and the output when the script printed nothing", () => {
  const outcome = hookFailure(
    "post_deploy",
    result({ code: 1, tail: "" }),
    "blind",
    "the new version is started (blind: no health check)",
  );
  assert.deepEqual(outcome, {
    result: "script_error",
    message:
      "post_deploy failed (exit code 1); the new version is started (blind: no health check)",
    services: [],
    method: "blind",
  });
  assert.equal("output" in outcome, false);
});

Deno.test("hookFailure() quotes the last non-blank line of the output", () => {
  const outcome = hookFailure(
    "pre_deploy",
    result({ code: 2, tail: "step 1\nstep 2: no space left on device\n\n" }),
    "canary",
    "the old version keeps running",
  );
  assert.equal(
    outcome.message,
    "pre_deploy failed (exit code 2): step 2: no space left on device; the old version keeps running",
  );
  assert.equal(outcome.output, "step 1\nstep 2: no space left on device\n\n");
});

Deno.test("a hook whose folder is missing does not start, and fails with exit code 127 saying why", async () => {
  await withStack(async ({ ctx, dir }) => {
    const env = hookEnv(ctx, "web", "bbbb1111", undefined);
    const missing = join(dir, "gone");
    const script = await runHook(ctx, "pre_deploy", "true", SETTINGS_DEFAULTS, missing, env);
    assert.equal(script.ok, false);
    assert.equal(script.code, 127);
    assert.ok(
      script.tail.startsWith(`could not start the pre_deploy script in ${missing}: `),
      script.tail,
    );
    const outcome = hookFailure(
      "pre_deploy",
      script,
      "simple",
      "the old version was started again",
    );
    assert.ok(outcome.message.startsWith("pre_deploy failed (exit code 127): could not start"));
  });
});
