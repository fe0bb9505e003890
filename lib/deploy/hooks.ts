/**
 * The deploy's use of `pre_deploy` / `post_deploy`
 * (docs/how-it-works.md#scripts), shared by the simple and canary methods: run
 * a hook with the stack's time limit, and turn a failed one into a
 * `script_error` outcome that says what happened after, and hold back a
 * version whose `pre_deploy` failed.
 * @module
 */
import type { DeployContext } from "./context.ts";
import { runScript, type ScriptResult, type ScriptRun } from "./scripts.ts";
import type { DeploySettings } from "../config/mod.ts";
import type { Outcome } from "../outcome.ts";
import { markVersionBad } from "./marks.ts";
import type { DeployItem } from "./plan.ts";

/**
 * The environment of a stack's hooks (docs/how-it-works.md#scripts): the stack, the version being
 * deployed (this run's commit, the stack's tree), the commit it replaces, and
 * the stack's `running_stacks` folder.
 */
export function hookEnv(
  ctx: DeployContext,
  name: string,
  tree: string,
  previousCommit: string | undefined,
): ScriptRun["env"] {
  return {
    AUTOSTACK_STACK: name,
    AUTOSTACK_COMMIT: ctx.head.commit,
    AUTOSTACK_TREE: tree,
    AUTOSTACK_PREVIOUS_COMMIT: previousCommit ?? "",
    AUTOSTACK_RUNNING_DIR: ctx.paths.running(name),
  };
}

/** Runs a `pre_deploy`/`post_deploy` command with the stack's settings. */
export function runHook(
  ctx: DeployContext,
  phase: ScriptRun["phase"],
  command: string,
  settings: DeploySettings,
  cwd: string,
  env: ScriptRun["env"],
): Promise<ScriptResult> {
  return runScript(
    { phase, command, cwd, timeoutMs: settings.script_timeout, env },
    ctx.deps.logger,
  );
}

/** The `script_error` outcome of a failed hook; `after` says what state it left. */
export function hookFailure(
  phase: string,
  script: ScriptResult,
  method: string,
  after: string,
): Outcome {
  const why = script.timedOut ? "timed out" : `exit code ${script.code}`;
  const last = script.tail.trim().split("\n").pop() ?? "";
  return {
    result: "script_error",
    message: `${phase} failed (${why})${last ? `: ${last}` : ""}; ${after}`,
    services: [],
    method,
    ...(script.tail ? { output: script.tail } : {}),
  };
}

/**
 * Holds back a version whose `pre_deploy` failed, like a bad version: marked
 * (unless `mark_bad` is off), it is not tried again on every run, each try
 * touching the running stack, until it changes, `bad clear` or `--force`.
 */
export async function holdBack(
  ctx: DeployContext,
  item: Pick<DeployItem, "name" | "stack" | "settings" | "images">,
  failed: Outcome,
): Promise<Outcome> {
  if (!(item.settings.mark_bad ?? ctx.config.mark_bad)) return failed;
  await markVersionBad(ctx, item.name, item.stack.tree, failed.message, item.images);
  return {
    ...failed,
    message: `${failed.message}; version held back (bad clear or --force to try it again)`,
  };
}
