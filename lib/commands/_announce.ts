/**
 * The one ending of every command that records outcomes (`run`, `rollback`):
 * read what each stack's last outcome was before anything is written (that
 * decides what is written and what is news), then, once the entries are in
 * history, print the news and send it to the `notify` targets.
 * @module
 */
import type { Config } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import { notifyOutcomes } from "../notify/mod.ts";
import type { HistoryEntry } from "../outcome.ts";
import { lastEntries, rotateHistory, statePaths } from "../state/mod.ts";
import { reportOutcomes } from "./outcome_report.ts";

/** How the outcomes are printed. */
export interface AnnounceOptions {
  /** `--json`: every entry written, as one document. */
  json: boolean;
  /** The commit the command acted on. */
  commit: string;
}

/** What a command reads before it records, and how it ends. */
export interface Recording {
  /** Each stack's last history entry before this command. */
  previous: ReadonlyMap<string, HistoryEntry>;
  /** Prints the news (all `entries` with `--json`) and notifies it. */
  announce(
    entries: readonly HistoryEntry[],
    news: readonly HistoryEntry[],
    options: AnnounceOptions,
  ): Promise<void>;
}

/** Reads the last outcome of `stacks`, for a command about to record theirs. */
export async function beforeRecording(
  config: Config,
  deps: Deps,
  stacks: readonly string[],
): Promise<Recording> {
  const path = statePaths(config.base_dir).history;
  // Before this command's entries go in: a full file starts over, the old one kept as .1.
  await rotateHistory(path, config.history_max_bytes);
  const previous = await lastEntries(path, stacks);
  return {
    previous,
    async announce(entries, news, options) {
      reportOutcomes(options.json ? entries : news, options.json, options.commit, deps);
      await notifyOutcomes(config, deps, news, previous);
    },
  };
}
