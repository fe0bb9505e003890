/**
 * `autostack history` and `autostack bad list|clear` (SPEC 9): read the
 * history newest first and the bad marks, as aligned text or JSON.
 * @module
 */
import { type BadMark, clearBad, readBad } from "../state/bad.ts";
import type { BadCommand, HistoryCommand } from "../cli.ts";
import type { Config } from "../config/config.ts";
import type { Deps } from "../deps.ts";
import { formatDuration } from "../duration.ts";
import { AutostackError } from "../errors.ts";
import { type HistoryEntry, readHistory } from "../state/history.ts";
import { statePaths } from "../state/state.ts";
import { formatTable, short } from "../table.ts";

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

/** Bad marks as aligned text lines. Pure. */
export function formatBad(marks: Readonly<Record<string, BadMark>>): string[] {
  const rows = [["STACK", "TREE", "COMMIT", "MARKED", "REASON"]];
  for (const [name, mark] of Object.entries(marks).sort(([a], [b]) => a.localeCompare(b))) {
    rows.push([
      name,
      short(mark.tree),
      short(mark.commit),
      mark.marked_at.slice(0, 19).replace("T", " "),
      mark.reason,
    ]);
  }
  return formatTable(rows);
}

/** Runs `bad list` or `bad clear NAME` (the caller holds the lock for clear). */
export async function badCommand(command: BadCommand, config: Config, deps: Deps): Promise<number> {
  const path = statePaths(config.base_dir).bad;
  if (command.action === "list") {
    const marks = await readBad(path);
    if (command.json) deps.out(JSON.stringify(marks, null, 2));
    else if (Object.keys(marks).length === 0) deps.out("no bad versions");
    else for (const line of formatBad(marks)) deps.out(line);
    return 0;
  }
  const name = command.name!;
  if (!await clearBad(path, name)) {
    throw new AutostackError(`stack "${name}": no bad mark to clear`);
  }
  deps.out(`stack "${name}": bad mark cleared; the next run deploys its version again`);
  return 0;
}
