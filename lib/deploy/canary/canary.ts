/**
 * The canary method (docs/canary.md): the old version is not stopped. The new one
 * starts beside it under the stack's second compose project name (`NAME` and
 * `NAME-canary` take turns), from its own folder; it must become healthy and
 * stay healthy for `canary_soak` while both serve; then the old one is drained
 * and taken down. Any failure before that removes the new copy and leaves the
 * old one serving untouched: outcome `rolled_back`, version marked bad.
 *
 * A stack that cannot run twice (host ports, `container_name`, …), or with
 * nothing running to keep serving, is deployed with `simple` instead, and the
 * outcome says why. Every deploy of a stack that has used a canary goes
 * through here, so that the live project name and a copy a killed run left
 * behind are known to whatever method runs.
 * @module
 */
import { join } from "node:path";
import { clearBad, readVersion, writePins } from "../../state/mod.ts";
import { changeBad, markVersionBad } from "../marks.ts";
import { checkpoint, type DeployContext } from "../context.ts";
import { filesTarget, labelTarget } from "../targets.ts";
import { formatDuration } from "../../duration.ts";
import { checkHealth } from "../../docker/mod.ts";
import { copyStack } from "../../repo/mod.ts";
import { type PlainFile, writePlainFiles } from "../../secrets/mod.ts";
import type { DeployItem } from "../plan.ts";
import { holdBack, hookEnv, hookFailure, runHook } from "../hooks.ts";
import type { ScriptResult, ScriptRun } from "../scripts.ts";
import type { DeploySettings } from "../../config/mod.ts";
import { type Trial, tryCopy } from "./_copy.ts";
import { liveProject, peerProject } from "../projects.ts";
import { whyNotCanary } from "./_check.ts";
import { clearLeftovers, hasCanaryFolder, removeCopy, slotDir, tidyFolders } from "./_state.ts";
import { switchOver } from "./_switch.ts";
import type { Outcome } from "../../outcome.ts";

/** Whether a deploy of `item` must go through {@link deployCanary}. */
export async function needsCanary(ctx: DeployContext, item: DeployItem): Promise<boolean> {
  return item.settings.method === "canary" || item.deployed?.project !== undefined ||
    await hasCanaryFolder(ctx, item.name);
}

/**
 * Deploys `item` with the canary method, or with `simple` (called with a note
 * for the outcome message) where a canary cannot run; `secrets` are the
 * version's decrypted files. Throws only on Docker or file errors, which the
 * caller turns into a `failed` outcome.
 */
export async function deployCanary(
  ctx: DeployContext,
  item: DeployItem,
  simple: (note?: string) => Promise<Outcome>,
  secrets: readonly PlainFile[] = [],
): Promise<Outcome> {
  const name = item.name;
  if (item.settings.method !== "canary") return await asSimple(ctx, item, () => simple());
  const why = await whyNotCanary(ctx, item);
  if (why !== undefined) {
    if (why.warn) {
      ctx.deps.logger.warn(`stack "${name}": canary: ${why.text}: deployed with simple`);
    }
    return await asSimple(
      ctx,
      item,
      () => simple(` (canary: ${why.text}: deployed with simple)`),
    );
  }
  return await canarySteps(ctx, item, item.settings, secrets);
}

/** Runs `simple` with the canary's leftovers cleared first and its folders tidied after. */
async function asSimple(
  ctx: DeployContext,
  item: DeployItem,
  simple: () => Promise<Outcome>,
): Promise<Outcome> {
  if (item.canaryBlocked === undefined) await clearLeftovers(ctx, item.name, item.deployed);
  const outcome = await simple();
  if (item.canaryBlocked === undefined) await tidyFolders(ctx, item.name);
  const now = await readVersion(ctx.paths.running(item.name));
  return { ...outcome, project: liveProject(item.name, now) };
}

async function canarySteps(
  ctx: DeployContext,
  item: DeployItem,
  settings: DeploySettings,
  secrets: readonly PlainFile[],
): Promise<Outcome> {
  const { name, deployed } = item;
  const stack = item.stack;
  const live = liveProject(name, deployed);
  const peer = peerProject(name, live);
  const cleared = await clearLeftovers(ctx, name, deployed);
  const serving = (await checkHealth(ctx.compose, labelTarget(ctx, live))).status ===
    "healthy";

  const repoDir = join(ctx.paths.repo, stack.path);
  const env = hookEnv(ctx, name, stack.tree, deployed?.commit);
  const pre = settings.pre_deploy
    ? await runHook(ctx, "pre_deploy", settings.pre_deploy, settings, repoDir, env)
    : undefined;
  if (pre && !pre.ok) {
    const failed = hookFailure("pre_deploy", pre, "canary", "the old version kept serving");
    return { ...await holdBack(ctx, item, failed), project: live };
  }

  const slot = slotDir(ctx, name, peer);
  await Deno.remove(slot, { recursive: true }).catch(() => {});
  await copyStack(ctx.paths.repo, stack, slot);
  await writePlainFiles(slot, secrets);
  // The new copy runs the digests that were checked (docs/image-updates.md#pins).
  await writePins(slot, item.images ?? []);
  checkpoint(ctx, name, "canary_after_copy");
  const target = await filesTarget(ctx, peer, slot, settings);
  const trial = await tryCopy(ctx, name, target, settings);
  if (!trial.ok) return await onFailure(ctx, item, settings, trial, { live, peer, serving });

  await switchOver(ctx, {
    name,
    from: live,
    to: peer,
    slot,
    oldVersion: deployed,
    version: {
      commit: ctx.head.commit,
      tree: stack.tree,
      ...(item.images === undefined ? {} : { images: item.images }),
    },
    // A pending version never reached its outcome: it is not a version to go back to.
    saveOld: serving && deployed !== undefined && !deployed.pending,
    drainMs: settings.drain,
  });
  const lifted = item.bad !== undefined &&
    await changeBad(ctx, () => clearBad(ctx.paths.bad, name));
  const message = `healthy, and stayed healthy ${formatDuration(settings.canary_soak)} ` +
    `beside the old copy: live as ${peer}` +
    (cleared ? `; a copy left by an interrupted run (${cleared}) was removed` : "") +
    (lifted ? "; its bad mark was lifted" : "");
  return await afterSwitch(ctx, settings, { message, peer, pre, repoDir, env });
}

/** `post_deploy` once the new copy is live (docs/how-it-works.md#deploy-steps), and the outcome. */
async function afterSwitch(
  ctx: DeployContext,
  settings: DeploySettings,
  done: {
    message: string;
    peer: string;
    pre: ScriptResult | undefined;
    repoDir: string;
    env: ScriptRun["env"];
  },
): Promise<Outcome> {
  const { message, peer, pre } = done;
  const post = settings.post_deploy
    ? await runHook(ctx, "post_deploy", settings.post_deploy, settings, done.repoDir, done.env)
    : undefined;
  const tails = [pre?.tail ?? "", post?.tail ?? ""].filter((t) => t !== "").join("\n");
  const output = tails === "" ? {} : { output: tails };
  if (post && !post.ok) {
    const after = `the new version is ${message}`;
    return {
      ...{ ...hookFailure("post_deploy", post, "canary", after), project: peer },
      ...output,
    };
  }
  return { result: "deployed", message, services: [], method: "canary", project: peer, ...output };
}

/** Removes (or, with `rollback: false`, stops) the failed copy, then marks the version bad. */
async function onFailure(
  ctx: DeployContext,
  item: DeployItem,
  settings: DeploySettings,
  trial: Exclude<Trial, { ok: true }>,
  copies: { live: string; peer: string; serving: boolean },
): Promise<Outcome> {
  const name = item.name;
  const keep = !settings.rollback;
  const markOn = settings.mark_bad ?? ctx.config.mark_bad;
  try {
    // A copy that failed during the soak already served: it drains like an old one.
    await removeCopy(ctx, copies.peer, { keep, drainMs: settings.drain });
    if (!keep) await tidyFolders(ctx, name);
  } finally {
    // Marked once the copy is gone, not before: a run killed while removing it
    // reached no outcome, and the next run must try (and remove) it again.
    if (markOn) await markVersionBad(ctx, name, item.stack.tree, trial.message, item.images);
  }
  const copy = keep
    ? `rollback is off: the new copy ${copies.peer} was stopped and kept`
    : "the new copy was removed";
  const old = copies.serving
    ? "the old version kept serving"
    : "the old version, not healthy before the deploy either, was left as it was";
  return {
    result: copies.serving && !keep ? "rolled_back" : "failed",
    message: `${trial.message}${markOn ? "; version marked bad" : ""}; ${copy}; ${old}`,
    services: trial.services,
    method: "canary",
    project: copies.live,
  };
}
