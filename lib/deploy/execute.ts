/**
 * Carries out a plan (docs/how-it-works.md#a-run): deploys the stacks that
 * need it with their method, up to `jobs` at a time, records skipped bad
 * versions once, takes down removed stacks when `prune` is on, and writes one
 * history line per outcome.
 * @module
 */
import { errorMessage } from "../errors.ts";
import { type HistoryEntry, historyEntry, type Outcome } from "../outcome.ts";
import { pool } from "../pool.ts";
import { appendHistory, lastEntries, readVersion, shouldRecord } from "../state/mod.ts";
import { deployCanary, needsCanary, takeDownStack } from "./canary/mod.ts";
import { clearVersions } from "./clear.ts";
import type { DeployContext } from "./context.ts";
import { upAndCheck } from "./gate.ts";
import type { DeployItem, PlanItem, RemoveItem, SkipBadItem } from "./plan.ts";
import { liveProject } from "./projects.ts";
import { deploySimple } from "./simple.ts";
import { filesTarget } from "./targets.ts";

/** Executes the plan; returns the history entries written this run. */
export async function executePlan(
  ctx: DeployContext,
  plan: readonly PlanItem[],
): Promise<HistoryEntry[]> {
  const todo = plan.filter((i) => i.action !== "none");
  if (todo.length === 0) return [];
  // Only a skipped bad version looks back (to be written once).
  const skipped = todo.filter((i) => i.action === "skip_bad").map((i) => i.name);
  const last = await lastEntries(ctx.paths.history, skipped);
  const entries = await pool(todo, ctx.config.jobs, async (item) => {
    const started = ctx.deps.now().getTime();
    const outcome = await actOn(ctx, item);
    const entry = historyEntry({
      time: ctx.deps.now(),
      stack: item.name,
      commit: item.stack ? ctx.head.commit : item.deployed?.commit ?? "",
      tree: item.stack?.tree ?? item.deployed?.tree ?? "",
      ms: ctx.deps.now().getTime() - started,
      project: liveProject(item.name, item.deployed),
    }, outcome);
    const restarted = item.action === "skip_bad" && item.restart;
    if (!restarted && !shouldRecord(last.get(item.name), entry)) return undefined;
    await appendHistory(ctx.paths.history, entry);
    return entry;
  });
  return entries.filter((e): e is HistoryEntry => e !== undefined);
}

async function actOn(ctx: DeployContext, item: Exclude<PlanItem, { action: "none" }>) {
  switch (item.action) {
    case "deploy":
      return await deploy(ctx, item);
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
  const simple = (note?: string) => deploySimple(ctx, item, method, note);
  try {
    return await needsCanary(ctx, item) ? await deployCanary(ctx, item, simple) : await simple();
  } catch (error) {
    // Docker or file errors end this stack's deploy, not the run.
    return { result: "failed", message: errorMessage(error), services: [], method };
  }
}

/** Starts the deployed version again from `running_stacks/NAME` (its containers were removed). */
async function restartRunning(
  ctx: DeployContext,
  item: SkipBadItem,
  skip: Outcome,
): Promise<Outcome> {
  const running = ctx.paths.running(item.name);
  try {
    const project = liveProject(item.name, item.deployed);
    const target = await filesTarget(ctx, project, running, item.settings);
    const gate = await upAndCheck(ctx, target, item.settings, "simple");
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

/** Takes a removed stack down (volumes kept) and empties its running folder (prune). */
async function removeStack(ctx: DeployContext, item: RemoveItem): Promise<Outcome> {
  const running = ctx.paths.running(item.name);
  try {
    // Every copy: the live project may be the canary's second name.
    await takeDownStack(ctx, item.name, item.deployed);
    const version = await readVersion(running);
    const moved = await clearVersions(ctx, item.name, [version?.tree]);
    await Deno.remove(running, { recursive: true });
    const kept = moved.length > 0
      ? `; ${moved.length} file(s) not from the repo moved to orphans`
      : "";
    return {
      result: "removed",
      message: `taken down: ${item.why}${kept}`,
      services: [],
      method: "",
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
