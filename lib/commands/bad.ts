/**
 * `autostack bad list|clear` (docs/how-it-works.md#bad-marks): the versions
 * marked bad, as aligned text or JSON, and lifting a mark so the next run
 * deploys that version again.
 * @module
 */
import type { BadCommand } from "../cli.ts";
import type { Config } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import { type BadMark, clearBad, readBad, readBadLenient, statePaths } from "../state/mod.ts";
import { formatTable, short } from "../table.ts";
import { unknownName } from "../names.ts";
import { localTime } from "./_time.ts";
import { jsonDocument, markJson } from "./json.ts";

/** Bad marks as aligned text lines. Pure. */
export function formatBad(marks: Readonly<Record<string, BadMark>>): string[] {
  const rows = [["STACK", "TREE", "COMMIT", "MARKED", "REASON"]];
  for (const [name, mark] of Object.entries(marks).sort(([a], [b]) => a.localeCompare(b))) {
    rows.push([
      name,
      short(mark.tree),
      short(mark.commit),
      localTime(mark.marked_at),
      mark.reason,
    ]);
  }
  return formatTable(rows);
}

/**
 * Runs `bad list` or `bad clear NAME` (the caller holds the lock for clear).
 * `bad list` of a corrupt bad.json shows the marks it could read, names the
 * file and what is wrong on stderr, and exits 1.
 */
export async function badCommand(command: BadCommand, config: Config, deps: Deps): Promise<number> {
  const path = statePaths(config.base_dir).bad;
  if (command.action === "list") {
    const { marks, problem } = await readBadLenient(path);
    const none = Object.keys(marks).length === 0;
    if (command.json) {
      const list = Object.entries(marks).sort(([a], [b]) => a.localeCompare(b));
      deps.out(jsonDocument({ marks: list.map(([stack, mark]) => markJson(stack, mark)) }));
    } else if (!none) { for (const line of formatBad(marks)) deps.out(line); }
    else if (problem === undefined) deps.out("no bad versions");
    if (problem === undefined) return 0;
    deps.err(`autostack: ${problem}`);
    return 1;
  }
  const name = command.name!;
  const marks = await readBad(path);
  const mark = Object.hasOwn(marks, name) ? marks[name] : undefined;
  if (mark === undefined || !await clearBad(path, name)) {
    throw unknownName("bad clear", name, "marked bad", Object.keys(marks));
  }
  if (command.json) deps.out(jsonDocument({ cleared: markJson(name, mark) }));
  else deps.out(`stack "${name}": bad mark cleared; the next run deploys its version again`);
  return 0;
}
