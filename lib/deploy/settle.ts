/**
 * How a deploy that passed or failed its gate ends, whatever runs it
 * (docs/how-it-works.md#deploy-steps): healthy, the version becomes final and
 * the good copy, a forced bad mark is lifted and `post_deploy` runs; not
 * healthy, the stack goes back (its own way: Compose or Swarm) and the
 * version is marked bad once that is over.
 * @module
 */
import type { Outcome } from "../outcome.ts";
import { clearBad, saveGood, type VersionInfo, writeVersion } from "../state/mod.ts";
import { hostFault } from "../errors.ts";
import type { DeployContext } from "./context.ts";
import type { Gate } from "./gate.ts";
import { hookFailure, runHook } from "./hooks.ts";
import { changeBad, markVersionBad } from "./marks.ts";
import type { DeployItem } from "./plan.ts";

/** What a healthy deploy's ending needs from the steps before it. */
export interface Healthy {
  /** The version written pending into the running copy. */
  version: VersionInfo;
  /** `blind` saw nothing: its version is not kept as the good one. */
  method: "blind" | "simple";
  /** The method the outcome names. */
  named: string;
  /** The outcome's words for a blind deploy. */
  blindWords: string;
  /** Where the hooks run and with what environment. */
  hooks: { dir: string; env: Parameters<typeof runHook>[5] };
  /** The `pre_deploy` output so far. */
  output: string;
}

/**
 * Ends a deploy that passed its gate: `version.txt` final, the good copy
 * (not for `blind`), a forced bad mark lifted, then `post_deploy`.
 */
export async function finishHealthy(
  ctx: DeployContext,
  item: DeployItem,
  done: Healthy,
  beforeHooks?: () => Promise<void>,
): Promise<Outcome> {
  const { name, settings } = item;
  const { paths } = ctx;
  await writeVersion(paths.running(name), { ...done.version, pending: false });
  // Seen healthy: this is now the version to go back to, even if a later run
  // is killed before its step 5 could copy it (blind saw nothing, so it waits).
  if (done.method === "simple") await saveGood(paths, name, ctx.config.keep_releases);
  await beforeHooks?.();
  // A version marked bad that was forced (--force) and deployed is bad no more:
  // kept, its mark would report the running version as skipped on every run.
  const lifted = item.bad !== undefined &&
    await changeBad(ctx, () => clearBad(paths.bad, name));
  const message = (done.method === "blind" ? done.blindWords : "healthy") +
    (lifted ? "; its bad mark was lifted" : "");
  let output = done.output;
  if (settings.post_deploy) {
    const { dir, env } = done.hooks;
    const post = await runHook(ctx, "post_deploy", settings.post_deploy, settings, dir, env);
    output = [output, post.tail].filter((t) => t !== "").join("\n");
    if (!post.ok) {
      return hookFailure("post_deploy", post, done.named, `the new version is ${message}`);
    }
  }
  return {
    result: "deployed",
    message,
    services: [],
    method: done.named,
    output: output || undefined,
  };
}

/** How going back after a failed gate ended. */
export interface WentBack {
  /** `rolled_back` when the good version is back and healthy. */
  result: "failed" | "rolled_back";
  /** What happened, in words. */
  message: string;
}

/**
 * How a rollback that ran reads, for any mode: back on the good version when
 * it turned healthy (`where` it went back, if that needs saying), else failed,
 * naming it and why (`then`: what was done with it, if anything).
 */
export function backOn(
  restored: { ok: boolean; commit: string; message: string },
  where = "",
  then = "",
): WentBack {
  const commit = restored.commit.slice(0, 7);
  if (restored.ok) return { result: "rolled_back", message: `back on ${commit}${where}` };
  return {
    result: "failed",
    message: `the good version ${commit} is not healthy either (${restored.message})${then}`,
  };
}

/**
 * Ends a deploy that failed its gate: `goBack` brings the good version back
 * (the mode's way), then the version is marked bad unless `mark_bad` is off.
 */
export async function settleUnhealthy(
  ctx: DeployContext,
  item: DeployItem,
  gate: Gate,
  method: string,
  goBack: () => Promise<WentBack>,
): Promise<Outcome> {
  const { name, settings } = item;
  const markOn = settings.mark_bad ?? ctx.config.mark_bad;
  const mark = () => markVersionBad(ctx, name, item.stack.tree, gate.message, item.images);
  // Marked once the rollback is over, not before: a run killed during the
  // rollback reached no outcome, so the next run must try this version again
  // and roll back again; marked, it would be skipped with the stack half-restored.
  // A host fault (Docker gone) says nothing about the version: no mark then.
  let after: WentBack;
  try {
    after = await goBack();
  } catch (error) {
    if (markOn && hostFault(error) === undefined) await mark();
    throw error;
  }
  if (markOn) await mark();
  return {
    result: after.result,
    message: `${gate.message}${markOn ? "; version marked bad" : ""}; ${after.message}`,
    services: gate.services,
    method,
  };
}
