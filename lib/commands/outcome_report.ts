/**
 * How `run` reports what it did: one aligned line per success on stdout, one
 * line per failure on stderr naming the stack and why (each failure once: a
 * cron mail holds both streams). Nothing at all when nothing happened (cron
 * mails whatever a job prints).
 * @module
 */
import type { Deps } from "../deps.ts";
import { formatDuration } from "../duration.ts";
import { formatTable, short } from "../table.ts";
import { FAILURES, type HistoryEntry } from "../outcome.ts";
import { jsonDocument, outcomeJson } from "./json.ts";

/** Prints the outcomes of a run (text or `--json`). */
export function reportOutcomes(
  entries: readonly HistoryEntry[],
  json: boolean,
  commit: string,
  deps: Pick<Deps, "out" | "err">,
): void {
  if (json) {
    deps.out(jsonDocument({ commit, results: entries.map(outcomeJson) }));
    return;
  }
  const done = entries.filter((e) => !FAILURES.has(e.result));
  const rows = done.map((e) => [
    e.stack,
    e.result,
    short(e.commit),
    formatDuration(e.duration_ms),
    e.message,
  ]);
  for (const line of formatTable(rows)) deps.out(line);
  for (const entry of entries) {
    if (FAILURES.has(entry.result)) {
      const at = entry.commit === "" ? "" : ` (commit ${short(entry.commit)})`;
      deps.err(`autostack: stack "${entry.stack}": ${entry.result}: ${entry.message}${at}`);
    }
  }
}
