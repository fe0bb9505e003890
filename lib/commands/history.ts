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

/** History entries as aligned text lines, newest first. Pure. */
export function formatHistory(entries: readonly HistoryEntry[]): string[] {
  const rows = [["TIME", "STACK", "RESULT", "COMMIT", "METHOD", "TOOK", "MESSAGE"]];
  for (const e of entries) {
    rows.push([
      e.time.slice(0, 19).replace("T", " "),
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
  const wanted = command.stacks.length === 0
    ? all
    : all.filter((e) => command.stacks.includes(e.stack));
  const entries = command.limit === undefined ? wanted : wanted.slice(0, command.limit);
  if (command.json) deps.out(JSON.stringify(entries, null, 2));
  else if (entries.length === 0) deps.out("no history yet");
  else for (const line of formatHistory(entries)) deps.out(line);
  return 0;
}
