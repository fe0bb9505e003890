/**
 * The one ending of every command that records outcomes (`run`, `rollback`):
 * read what each stack's last outcome was before anything is written (that
 * decides what is news), then, once the entries are in history, print them
 * and send them to the `notify` targets.
 * @module
 */
import type { Config } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import { notifyOutcomes, previousOutcomes } from "../notify/mod.ts";
import type { HistoryEntry } from "../outcome.ts";
import { statePaths } from "../state/mod.ts";
import { reportOutcomes } from "./outcome_report.ts";

/** How the outcomes are printed. */
export interface AnnounceOptions {
  /** `--json`. */
  json: boolean;
  /** The commit the command acted on. */
  commit: string;
  /** Also say each failure on stderr (a run; a rollback's exit code says it). */
  failuresOnStderr: boolean;
}

/**
 * Reads the last outcome of `stacks` and returns the function that, given the
 * entries recorded since, reports and notifies them.
 */
export async function beforeRecording(
  config: Config,
  deps: Deps,
  stacks: readonly string[],
): Promise<(entries: readonly HistoryEntry[], options: AnnounceOptions) => Promise<void>> {
  const previous = await previousOutcomes(config, statePaths(config.base_dir).history, stacks);
  return async (entries, options) => {
    const err = options.failuresOnStderr ? deps.err : () => {};
    reportOutcomes(entries, options.json, options.commit, { out: deps.out, err });
    await notifyOutcomes(config, deps, entries, previous);
  };
}
