/**
 * Progress on a terminal: a line while a deploy waits for health (dax progress
 * bars), and a line per stack as it finishes. Only when stderr is a terminal:
 * under cron nothing is drawn, so nothing is mailed.
 * @module
 */
import $ from "dax";
import { formatDuration } from "../duration.ts";
import type { Verdict } from "../docker/mod.ts";
import { FAILURES, type HistoryEntry } from "../outcome.ts";

/** A finished stack's progress line: `✔ web deployed 3.4s`, `✘ api rolled_back 5.0s: why`. Pure. */
export function doneLine(entry: HistoryEntry): string {
  const failed = FAILURES.has(entry.result);
  const took = `${entry.stack} ${entry.result} ${formatDuration(entry.duration_ms)}`;
  return failed ? `✘ ${took}: ${entry.message}` : `✔ ${took}`;
}

/**
 * Where `run` tells each finished stack: a line on stderr when it is a
 * terminal, else nothing (cron output stays the result lines alone).
 */
export function doneProgress(
  isTerminal: boolean,
  write: (line: string) => void,
): ((entry: HistoryEntry) => void) | undefined {
  return isTerminal ? (entry) => write(doneLine(entry)) : undefined;
}

/** Shows one stack's wait; `tick` updates it, `done` removes it. */
export interface Progress {
  /** Updates the line after a look at the stack. */
  tick(verdict: Verdict, elapsedMs: number): void;
  /** Removes the line. */
  done(): void;
}

const NONE: Progress = { tick() {}, done() {} };

/** Words for a waiting verdict: which services are not there yet. Pure. */
export function waitingWords(verdict: Verdict, elapsedMs: number, timeoutMs: number): string {
  const faults = verdict.status === "healthy" ? [] : verdict.faults;
  const who = faults.map((f) => `${f.service} ${f.state}`).join(", ") || "healthy";
  return `${formatDuration(elapsedMs)} of ${formatDuration(timeoutMs)}: ${who}`;
}

/** A progress line for `project` on a terminal, or nothing when not on one. */
export function healthProgress(
  isTerminal: boolean,
  project: string,
  timeoutMs: number,
): Progress {
  if (!isTerminal) return NONE;
  const bar = $.progress(`${project}: waiting for healthy`);
  return {
    tick: (verdict, elapsed) => bar.message(waitingWords(verdict, elapsed, timeoutMs)),
    done: () => bar.finish(),
  };
}
