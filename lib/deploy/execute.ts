/**
 * Carries out a plan (SPEC 5): deploys the stacks that need it, up to `jobs`
 * at a time, records skipped bad versions once, takes down removed stacks when
 * `prune` is on, and writes one history line per outcome (SPEC 8).
 * @module
 */
import { join } from "node:path";
import { Compose } from "../docker/compose.ts";
import { deployStack, type Outcome } from "./simple.ts";
import type { Engine } from "./context.ts";
import { filesTarget, Queue } from "./context.ts";
import { liveProject, takeDownStack } from "./canary/canary.ts";
import { upAndCheck } from "./gate.ts";
import { errorMessage } from "../errors.ts";
import { appendHistory, type HistoryEntry, lastEntries, shouldRecord } from "../state/history.ts";
import type { PlanItem } from "./plan.ts";
import { clearRunning, readVersion } from "../state/state.ts";

/** Runs `work` over `items`, at most `jobs` at once, keeping the input order in the result. */
export async function pool<T, R>(
  items: readonly T[],
  jobs: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return results;
}

/** Executes the plan; returns the history entries written this run. */
export async function executePlan(
  engine: Engine,
  plan: readonly PlanItem[],
): Promise<HistoryEntry[]> {
  const todo = plan.filter((i) => i.action !== "none");
  if (todo.length === 0) return [];
  // Only a skipped bad version looks back (to be written once, SPEC 8).
  const skipped = todo.filter((i) => i.action === "skip_bad").map((i) => i.name);
  const last = await lastEntries(engine.paths.history, skipped);
  const entries = await pool(todo, engine.config.jobs, async (item) => {
    const started = engine.deps.now().getTime();
    const outcome = await actOn(engine, item);
    const entry = toEntry(engine, item, outcome, engine.deps.now().getTime() - started);
    if (!item.restart && !shouldRecord(last.get(item.name), entry)) return undefined;
    await appendHistory(engine.paths.history, entry);
    return entry;
  });
  return entries.filter((e): e is HistoryEntry => e !== undefined);
}

async function actOn(engine: Engine, item: PlanItem): Promise<Outcome> {
  switch (item.action) {
    case "deploy":
      return await deployStack(engine, item);
    case "skip_bad": {
      const outcome: Outcome = {
        result: "skipped_bad",
        message: item.why,
        services: [],
        method: item.settings?.method ?? "",
      };
      return item.restart ? await restartRunning(engine, item, outcome) : outcome;
    }
    default:
      return await removeStack(engine, item);
  }
}

/** Starts the deployed version again from `running_stacks/NAME` (its containers were removed). */
async function restartRunning(engine: Engine, item: PlanItem, skip: Outcome): Promise<Outcome> {
  const running = engine.paths.running(item.name);
  try {
    const project = liveProject(item.name, item.deployed);
    const target = await filesTarget(engine, project, running, item.settings!);
    const gate = await upAndCheck(engine, target, item.settings!, "simple");
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
async function removeStack(engine: Engine, item: PlanItem): Promise<Outcome> {
  const running = engine.paths.running(item.name);
  try {
    // Every copy: the live project may be the canary's second name.
    await takeDownStack(engine, item.name, item.deployed);
    const version = await readVersion(running);
    const shipped = version ? await engine.repo.filesOf(version.tree) : undefined;
    const stamp = engine.deps.now().toISOString().replace(/[:.]/g, "-");
    const moved = await clearRunning(
      running,
      new Set(shipped),
      join(engine.paths.orphans(item.name), stamp),
    );
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

function toEntry(engine: Engine, item: PlanItem, outcome: Outcome, ms: number): HistoryEntry {
  const commit = item.stack ? engine.head.commit : item.deployed?.commit ?? "";
  return {
    time: engine.deps.now().toISOString(),
    stack: item.name,
    commit,
    tree: item.stack?.tree ?? item.deployed?.tree ?? "",
    method: outcome.method,
    result: outcome.result,
    duration_ms: Math.round(ms),
    message: outcome.message,
    services: outcome.services,
    project: outcome.project ?? liveProject(item.name, item.deployed),
    ...(outcome.output ? { output: outcome.output } : {}),
  };
}

/** Builds the engine of a run. */
export function makeEngine(base: Omit<Engine, "compose" | "badQueue">): Engine {
  return {
    ...base,
    compose: new Compose(base.deps.runner, base.config.compose),
    badQueue: new Queue(),
  };
}
