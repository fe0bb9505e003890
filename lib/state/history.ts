/**
 * The deploy history, `base_dir/history.jsonl`
 * (docs/how-it-works.md#the-history-line): one JSON object a line, one line per
 * deploy outcome, only ever appended to. Once it reaches `history_max_bytes`
 * it is rotated to `history.jsonl.1` (one older file kept), and reading takes
 * both. Reading skips lines that do not parse, since a run killed mid-write can
 * leave a torn last line.
 * @module
 */
import { dirname } from "node:path";
import { readTextOrUndefined, writeAll } from "../fsutil.ts";
import { type HistoryEntry, isNews, parseHistoryEntry } from "../outcome.ts";

/**
 * Appends `entry` as one line. The file is opened for append and the line
 * handed to one `write`, so concurrent writers never interleave within a line.
 */
export async function appendHistory(path: string, entry: HistoryEntry): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const file = await Deno.open(path, { read: true, append: true, create: true, mode: 0o644 });
  try {
    // A torn last line (kill -9 mid-write) would swallow ours: start on a fresh line.
    const prefix = (await endsWithNewline(file)) ? "" : "\n";
    await writeAll(file, new TextEncoder().encode(prefix + JSON.stringify(entry) + "\n"));
  } finally {
    file.close();
  }
}

/** The older history file that rotation keeps beside `path`. */
export function rotatedHistory(path: string): string {
  return `${path}.1`;
}

/**
 * Moves `path` to `path.1` (replacing the older one) when it has reached
 * `maxBytes`, so the next append starts a new file. Called before a command
 * records, never between a read and its write. Returns whether it rotated.
 */
export async function rotateHistory(path: string, maxBytes: number): Promise<boolean> {
  let size: number;
  try {
    size = (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  if (size < maxBytes) return false;
  await Deno.rename(path, rotatedHistory(path));
  return true;
}

/** The text of the history, the rotated file first; `undefined` when neither exists. */
async function readBoth(path: string): Promise<string | undefined> {
  const [older, newer] = await Promise.all([
    readTextOrUndefined(rotatedHistory(path)),
    readTextOrUndefined(path),
  ]);
  if (older === undefined) return newer;
  return newer === undefined ? older : `${older}\n${newer}`;
}

/** Whether the open file is empty or ends with `\n`. */
async function endsWithNewline(file: Deno.FsFile): Promise<boolean> {
  const size = (await file.stat()).size;
  if (size === 0) return true;
  await file.seek(size - 1, Deno.SeekMode.Start);
  const last = new Uint8Array(1);
  return (await file.read(last)) === 1 && last[0] === 0x0a;
}

/** Options of {@link readHistory}. */
export interface ReadHistoryOptions {
  /** Only the entries of this stack. */
  stack?: string;
  /** At most this many entries (the newest). */
  limit?: number;
}

/**
 * Reads the history (the rotated file too), newest first; a missing file is an
 * empty history. Lines that are not a valid entry are skipped.
 */
export async function readHistory(
  path: string,
  options: ReadHistoryOptions = {},
): Promise<HistoryEntry[]> {
  const text = await readBoth(path);
  if (text === undefined) return [];
  const entries: HistoryEntry[] = [];
  for (const line of text.split("\n").reverse()) {
    if (options.limit !== undefined && entries.length >= options.limit) break;
    const entry = parseHistoryLine(line);
    if (entry === undefined) continue;
    if (options.stack !== undefined && entry.stack !== options.stack) continue;
    entries.push(entry);
  }
  return entries;
}

/** Parses one history line, or `undefined` when it is blank, torn or not an entry. */
export function parseHistoryLine(line: string): HistoryEntry | undefined {
  if (line.trim() === "") return undefined;
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return undefined;
  }
  return parseHistoryEntry(data);
}

/**
 * The newest entry of each of `stacks`, reading the file from its end and
 * stopping once every one is found: a run needs the last word on the stacks
 * it acts on, not the whole history. The rotated file is read only for the
 * stacks the current one does not name. No stacks, no read.
 */
export async function lastEntries(
  path: string,
  stacks: Iterable<string>,
): Promise<Map<string, HistoryEntry>> {
  const wanted = new Set(stacks);
  const found = new Map<string, HistoryEntry>();
  for (const file of [path, rotatedHistory(path)]) {
    if (found.size >= wanted.size) break;
    const text = await readTextOrUndefined(file);
    if (text !== undefined) findLast(text, wanted, found);
  }
  return found;
}

/** Adds to `found` the newest entry in `text` of each wanted stack not found yet. */
function findLast(text: string, wanted: Set<string>, found: Map<string, HistoryEntry>): void {
  let end = text.length;
  while (end > 0 && found.size < wanted.size) {
    const start = text.lastIndexOf("\n", end - 1) + 1;
    const line = text.slice(start, end);
    end = start - 1;
    // Parse only lines that can be about a wanted stack not found yet.
    const stack = /"stack":("(?:[^"\\]|\\.)*")/.exec(line)?.[1];
    const name = stack === undefined ? undefined : parseName(stack);
    if (name === undefined || !wanted.has(name) || found.has(name)) continue;
    const entry = parseHistoryLine(line);
    if (entry?.stack === name) found.set(name, entry);
  }
}

function parseName(quoted: string): string | undefined {
  try {
    const name: unknown = JSON.parse(quoted);
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined;
  }
}

/** The newest entry of each stack, from entries given newest first (as {@link readHistory} returns them). */
export function lastByStack(entries: readonly HistoryEntry[]): Map<string, HistoryEntry> {
  const last = new Map<string, HistoryEntry>();
  for (const entry of entries) {
    if (!last.has(entry.stack)) last.set(entry.stack, entry);
  }
  return last;
}

/**
 * Whether `next` should be written, given the stack's `last` entry. What did
 * something (a deploy, a rollback, a removal) is always written; a version
 * skipped or refused run after run, which changes nothing, is written once.
 */
export function shouldRecord(last: HistoryEntry | undefined, next: HistoryEntry): boolean {
  if (next.result !== "skipped_bad" && next.result !== "refused") return true;
  return isNews(last, next);
}
