/**
 * `autostack history`: the deploy history newest first, as aligned text or
 * JSON (docs/how-it-works.md#the-history-line).
 * @module
 */
import { readHistory, statePaths } from "../state/mod.ts";
import type { HistoryCommand } from "../cli.ts";
import type { Config } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import { formatDuration } from "../duration.ts";
import { formatTable, short } from "../table.ts";
import type { HistoryEntry } from "../outcome.ts";
import { unknownName } from "../names.ts";
import { localTime } from "./_time.ts";
import { jsonDocument, outcomeJson } from "./json.ts";

/** History entries as aligned text lines, newest first. Pure. */
export function formatHistory(entries: readonly HistoryEntry[]): string[] {
  const rows = [["TIME", "STACK", "RESULT", "COMMIT", "METHOD", "TOOK", "MESSAGE"]];
  for (const e of entries) {
    rows.push([
      localTime(e.time),
      e.stack,
      e.result,
      short(e.commit),
      e.method || "-",
      formatDuration(e.duration_ms),
      e.message,
    ]);
  }
  return formatTable(rows);
}

/** Runs `history`. */
export async function historyCommand(
  command: HistoryCommand,
  config: Config,
  deps: Deps,
): Promise<number> {
  const path = statePaths(config.base_dir).history;
  const all = await readHistory(path);
  const known = new Set(all.map((e) => e.stack));
  const missing = command.stacks.find((name) => !known.has(name));
  if (missing !== undefined) throw unknownName("history", missing, "in the history", known);
  const wanted = command.stacks.length === 0
    ? all
    : all.filter((e) => command.stacks.includes(e.stack));
  const after = command.since === undefined ? undefined : deps.now().getTime() - command.since;
  const recent = after === undefined ? wanted : wanted.filter((e) => Date.parse(e.time) >= after);
  const entries = command.limit === 0 ? recent : recent.slice(0, command.limit);
  if (command.json) deps.out(jsonDocument({ entries: entries.map(outcomeJson) }));
  else if (all.length === 0) deps.out("no history yet");
  else if (entries.length === 0) deps.out("no entries match");
  else for (const line of formatHistory(entries)) deps.out(line);
  return 0;
}
