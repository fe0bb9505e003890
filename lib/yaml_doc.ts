/**
 * Private helpers shared by the config and settings parsers: YAML text to a
 * plain value with the line of each top-level key, values shown in messages,
 * and "did you mean" suggestions for unknown keys.
 * @module
 */

import { isMap, isScalar, LineCounter, parseDocument } from "yaml";

/** A YAML document read as plain data, or the first syntax error in it. */
export type YamlRead =
  | { ok: true; value: unknown; lineOf: (key: string) => number | undefined }
  | { ok: false; line: number | undefined; message: string };

/** Parses YAML text; `value` is `undefined` for an empty document. */
export function readYaml(text: string): YamlRead {
  const lineCounter = new LineCounter();
  // prettyErrors would append a multi-line source excerpt; we want one line.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const line = lineCounter.linePos(error.pos[0]).line;
    return { ok: false, line, message: error.message.split("\n")[0] ?? "invalid YAML" };
  }
  const lines = new Map<string, number>();
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      if (!isScalar(pair.key) || !pair.key.range) continue;
      lines.set(String(pair.key.value), lineCounter.linePos(pair.key.range[0]).line);
    }
  }
  try {
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    return { ok: true, value: value ?? undefined, lineOf: (key) => lines.get(key) };
  } catch (error) {
    // An alias to a missing anchor or an alias bomb only shows up here.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, line: undefined, message };
  }
}

/** True for a plain mapping (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Shows an outside value in a message the way it would be written in JSON. */
export function showValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The known key closest to `key` when it looks like a typo of it, else `undefined`. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  // Allow about one edit per four letters: catches typos, not unrelated words.
  return bestDistance <= Math.max(1, Math.floor(key.length / 4)) ? best : undefined;
}

/** The "unknown key" message, with a suggestion when one is close. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = closestKey(key, known);
  return suggestion ? `unknown key (did you mean ${suggestion}?)` : "unknown key";
}

/** Levenshtein distance, with a transposition counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]!.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]!.push(d);
    }
  }
  return rows[a.length]![b.length]!;
}
