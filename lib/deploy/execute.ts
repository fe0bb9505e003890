/**
 * Carries out a plan (docs/how-it-works.md#a-run): deploys the stacks that
 * need it with their method, up to `jobs` at a time, records skipped bad
 * versions once, takes down removed stacks when `prune` is on, and writes one
 * history line per outcome.
 * @module
 */
import { errorMessage, type HostError, hostFault } from "../errors.ts";
import { FAILURES, type HistoryEntry, historyEntry, isNews, type Outcome } from "../outcome.ts";
import { pool } from "../pool.ts";
import { appendHistory, imageChanges, readVersion, shouldRecord } from "../state/mod.ts";
import { markVersionBad } from "./marks.ts";
import { type Preflight, preflight } from "./preflight.ts";
import { deployCanary, needsCanary, takeDownStack } from "./canary/mod.ts";
import { clearVersions } from "./clear.ts";
import type { DeployContext } from "./context.ts";
import { upAndCheck } from "./gate.ts";
import type { DeployItem, PlanItem, RemoveItem, SkipBadItem } from "./plan.ts";
import { liveProject } from "./projects.ts";
import { deploySimple } from "./simple.ts";
import { decryptSecrets, secretsFailed } from "./secrets.ts";
import { copySettings } from "./restore.ts";
import { deploySwarm, removeSwarmStack, restartSwarmCopy } from "./swarm/mod.ts";
import { filesTarget } from "./targets.ts";

/** What a run's plan came to. */
export interface Executed {
  /** The history entries written, in plan order. */
  entries: HistoryEntry[];
  /** Whether any stack failed, told or not (a failure told before still makes the run exit 1). */
  failed: boolean;
  /** Those that tell the operator something new (printed and notified; see `isNews`). */
  news: HistoryEntry[];
  /** The host fault that stopped the run (Docker gone, disk full), when one did. */
  hostFault?: HostError;
}

/**
 * Executes the plan. `previous` holds each acted stack's last history entry
 * (read before the run): it decides what is written and what is news. A host
 * fault stops the run: the stacks not started yet are left alone, and the one
 * it hit records nothing and is left to be redone (its version stays pending).
 * `onDone` hears each stack's outcome as soon as it is reached (live progress),
 * whether or not it is written.
 */
export async function executePlan(
  ctx: DeployContext,
  plan: readonly PlanItem[],
  previous: ReadonlyMap<string, HistoryEntry>,
  onDone?: (entry: HistoryEntry) => void,
): Promise<Executed> {
  const todo = plan.filter((i): i is Acted => i.action !== "none");
  let stopped: HostError | undefined;
  let failed = false;
  const done = await pool(todo, ctx.config.jobs, async (item) => {
    if (stopped !== undefined) return undefined;
    const started = ctx.deps.now().getTime();
    let outcome: Outcome;
    try {
      outcome = await actOn(ctx, item);
    } catch (error) {
      const host = hostFault(error);
      if (host === undefined) throw error;
      stopped ??= host;
      return undefined;
    }
    const entry = historyEntry({
      time: ctx.deps.now(),
      stack: item.name,
      commit: item.stack ? ctx.head.commit : item.deployed?.commit ?? "",
      tree: item.stack?.tree ?? item.deployed?.tree ?? "",
      ms: ctx.deps.now().getTime() - started,
      project: liveProject(item.name, item.deployed),
      ...(item.images === undefined ? {} : { images: item.images }),
    }, outcome);
    if (FAILURES.has(entry.result)) failed = true;
    onDone?.(entry);
    const last = previous.get(item.name);
    // Starting a lost good version again did something, whatever was said before
    // (a swarm one found running was not started: its outcome is the plain skip).
    const restarted = item.action === "skip_bad" && item.restart && outcome.message !== item.why;
    if (!restarted && !shouldRecord(last, entry)) return undefined;
    await appendHistory(ctx.paths.history, entry);
    return { entry, news: restarted || isNews(last, entry) };
  });
  const written = done.filter((d) => d !== undefined);
  return {
    entries: written.map((d) => d.entry),
    failed,
    news: written.filter((d) => d.news).map((d) => d.entry),
    ...(stopped === undefined ? {} : { hostFault: stopped }),
  };
}

/** A plan item the run acts on. */
type Acted = Exclude<PlanItem, { action: "none" }>;

/** Acts on one item; throws only a host fault, which stops the run. */
async function actOn(ctx: DeployContext, item: Acted): Promise<Outcome> {
  switch (item.action) {
    case "deploy":
      return await deploy(ctx, item);
    case "refuse":
      return {
        result: "refused",
        message: item.problems.join("; "),
        services: [],
        method: item.settings?.method ?? "",
      };
    case "skip_bad": {
      const outcome: Outcome = {
        result: "skipped_bad",
        message: item.why,
        services: [],
        method: item.settings.method,
      };
      return item.restart ? await restartRunning(ctx, item, outcome) : outcome;
    }
    case "remove":
      return await removeStack(ctx, item);
  }
}

/**
 * Deploys with the stack's method; never throws for a stack's own failure. The
 * canary gets the simple steps as a parameter: it falls back on them where two
 * copies cannot run, and every stack that has used a canary goes through it.
 */
async function deploy(ctx: DeployContext, item: DeployItem): Promise<Outcome> {
  const method = item.settings.method === "canary" ? "simple" : item.settings.method;
  try {
    // The files of the old and new version, which the deploy clears from the running copy:
    // the new one's from the sync's listing, the old one's by git while the preflight asks
    // Docker (once per tree, kept by the Repo).
    for (const tree of [item.deployed?.tree, item.stack.tree]) if (tree) ctx.repo.filesOf(tree);
    // Before the preflight: a version whose secrets do not decrypt touches nothing.
    const secrets = await decryptSecrets(ctx, item);
    if (!secrets.ok) return await secretsFailed(ctx, item, secrets);
    const check = await preflight(ctx, item, secrets.files);
    if (!check.ok) return await refuse(ctx, item, check);
    const simple = (note?: string) =>
      deploySimple(ctx, item, method, note, check.services, secrets.files);
    const done = item.settings.mode === "swarm"
      ? await deploySwarm(ctx, item, secrets.files)
      : await needsCanary(ctx, item)
      ? await deployCanary(ctx, item, simple, secrets.files)
      : await simple();
    // A commit says what changed; a new digest behind a tag says so here (docs/image-updates.md).
    const moved = item.images ? imageChanges(item.deployed?.images, item.images) : [];
    const outcome = moved.length === 0
      ? done
      : { ...done, message: `${done.message} (${moved.join("; ")})` };
    return adopted(item, outcome);
  } catch (error) {
    const host = hostFault(error);
    if (host !== undefined) throw host;
    // Docker or file errors end this stack's deploy, not the run.
    return { result: "failed", message: errorMessage(error), services: [], method };
  }
}

/** An adopted stack's outcome says what was replaced. */
function adopted(item: DeployItem, outcome: Outcome): Outcome {
  if (item.status !== "adopt") return outcome;
  return { ...outcome, message: `adopted (${item.why}); ${outcome.message}` };
}

/**
 * A version the preflight refused: nothing was touched. Marked bad when the
 * version is at fault (unless `mark_bad` is off); a host fault (a registry
 * down, a network not created yet) is tried again next run.
 */
async function refuse(
  ctx: DeployContext,
  item: DeployItem,
  check: Extract<Preflight, { ok: false }>,
): Promise<Outcome> {
  const mark = check.cause === "version" && (item.settings.mark_bad ?? ctx.config.mark_bad);
  if (mark) await markVersionBad(ctx, item.name, item.stack.tree, check.message, item.images);
  const after = check.cause === "version"
    ? mark ? "; version marked bad" : ""
    : "; tried again next run";
  return {
    result: "refused",
    message: `${check.message}${after}; the running version was left untouched`,
    services: [],
    method: item.settings.method,
  };
}

/** Starts the deployed version again from `running_stacks/NAME` (its containers were removed). */
async function restartRunning(
  ctx: DeployContext,
  item: SkipBadItem,
  skip: Outcome,
): Promise<Outcome> {
  const running = ctx.paths.running(item.name);
  try {
    const own = await copySettings(ctx, item.name, running, item.settings);
    const swarm = own.mode === "swarm"
      ? await restartSwarmCopy(ctx, item.name, running, own)
      : undefined;
    if (swarm === "running") return skip;
    const project = liveProject(item.name, item.deployed);
    const gate = swarm ??
      await upAndCheck(ctx, await filesTarget(ctx, project, running, own), own, "simple");
    const how = gate.ok ? "started again: healthy" : `started again, ${gate.message}`;
    return {
      ...skip,
      message: `${skip.message}; the deployed version's containers were missing: ${how}`,
      services: gate.services,
    };
  } catch (error) {
    return {
      ...skip,
      message: `${skip.message}; restarting the deployed version failed: ${errorMessage(error)}`,
    };
  }
}

/** A removed stack's mode: its settings here, else those of its running copy. */
async function modeOf(ctx: DeployContext, item: RemoveItem): Promise<string> {
  if (item.settings) return item.settings.mode;
  const running = ctx.paths.running(item.name);
  return (await copySettings(ctx, item.name, running, undefined))?.mode ?? "compose";
}

/** Takes a removed stack down (volumes kept) and empties its running folder (prune). */
async function removeStack(ctx: DeployContext, item: RemoveItem): Promise<Outcome> {
  const running = ctx.paths.running(item.name);
  try {
    // Every copy: the live project may be the canary's second name.
    await takeDownStack(ctx, item.name, item.deployed);
    const swarm = await modeOf(ctx, item) === "swarm" && await removeSwarmStack(ctx, item.name);
    const version = await readVersion(running);
    const moved = await clearVersions(ctx, item.name, [version?.tree]);
    await Deno.remove(running, { recursive: true });
    const kept = moved.length > 0
      ? `; ${moved.length} file(s) not from the repo moved to orphans`
      : "";
    return {
      result: "removed",
      message: `${swarm ? "removed from the swarm" : "taken down"}: ${item.why}${kept}`,
      services: [],
      method: "",
      ...(swarm ? { mode: "swarm" as const } : {}),
    };
  } catch (error) {
    return {
      result: "failed",
      message: `removing failed: ${errorMessage(error)}`,
      services: [],
      method: "",
    };
  }
}
