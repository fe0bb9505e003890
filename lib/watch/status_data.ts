/**
 * Gathers what the status page shows, at each request: the stacks as
 * `status` sees them (state files and one `docker ps`), each stack's newest
 * history entries, and the loop's state from `watch`.
 * @module
 */
import { gatherStatus } from "../commands/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import type { HistoryEntry } from "../outcome.ts";
import { readHistory, statePaths } from "../state/mod.ts";
import type { WatchStatus } from "./server.ts";
import { type StatusPageData, TIMELINE_LENGTH } from "./status_page.ts";

/** Seconds between reloads of the page. */
export const REFRESH_SECONDS = 15;

/** What the loop tells the page about itself. */
export interface LoopView {
  /** The loop's state, as `/healthz` reports it. */
  status(): WatchStatus;
  /** The run in progress, if any. */
  run(): { reason: string; since: number } | undefined;
  /** When the next run starts, while the loop sleeps. */
  nextRunAt(): number | undefined;
  /** The `--version` line. */
  version(): Promise<string>;
}

/** Each stack's newest `n` entries, newest first, from a newest-first history. Pure. */
export function timelines(
  entries: readonly HistoryEntry[],
  n = TIMELINE_LENGTH,
): Map<string, HistoryEntry[]> {
  const byStack = new Map<string, HistoryEntry[]>();
  for (const entry of entries) {
    const list = byStack.get(entry.stack) ?? [];
    if (list.length < n) list.push(entry);
    byStack.set(entry.stack, list);
  }
  return byStack;
}

/** The page's data now. */
export async function gatherStatusPage(
  config: Config,
  deps: Deps,
  loop: LoopView,
): Promise<StatusPageData> {
  const [stacks, history, version] = await Promise.all([
    gatherStatus(config, deps),
    readHistory(statePaths(config.base_dir).history),
    loop.version(),
  ]);
  const status = loop.status();
  const run = loop.run();
  const nextRunAt = loop.nextRunAt();
  return {
    host: config.hostname,
    version,
    now: deps.now(),
    refreshSeconds: REFRESH_SECONDS,
    stacks,
    history: timelines(history),
    ...(run === undefined ? {} : { run }),
    ...(nextRunAt === undefined ? {} : { nextRunAt }),
    lastRun: status.last_run,
    alive: status.alive,
  };
}
