/**
 * Reading the JSON that docker and compose print, for every parser in this
 * folder: one error for output that is not JSON, naming the command and
 * quoting the start of what it printed.
 * @module
 */
import { ComposeError } from "../errors.ts";

/** Parses `text`, the output of `what`; throws {@link ComposeError} when it is not JSON. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ComposeError(`cannot read ${what} output: not JSON: ${clip(text, 120)}`, {
      cause: error,
    });
  }
}

/** `value` as an array; docker's `inspect` always prints one. */
export function asArray(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new ComposeError("expected a JSON array from docker");
  return value;
}

function clip(text: string, max: number): string {
  const line = text.trim().replace(/\s+/g, " ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
