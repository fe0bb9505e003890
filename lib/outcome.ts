/**
 * The shared vocabulary of a deploy's end: the result names, the
 * {@link Outcome} a method returns, the {@link HistoryEntry} it becomes (one
 * line of `history.jsonl`, see docs/how-it-works.md#outcomes), and which
 * results are failures. It imports nothing of autostack's, so every folder can
 * speak it without importing another's code.
 * @module
 */
import { z } from "zod";

/** Every result, in the order the docs list them. */
export const RESULTS = [
  "deployed",
  "rolled_back",
  "failed",
  "skipped_bad",
  "script_error",
  "removed",
  "refused",
] as const;

/** The outcome of one stack in one run: `deployed`, `rolled_back`, `failed`, … */
export type Result = typeof RESULTS[number];

/** Results that make `run` exit 1, print a line on stderr and count as failures to notify. */
export const FAILURES: ReadonlySet<Result> = new Set<Result>([
  "rolled_back",
  "failed",
  "skipped_bad",
  "script_error",
  "refused",
]);

/**
 * Results that already told the operator a version failed: a skip of the same
 * version right after one of them says nothing new.
 */
export const SAID_BAD: ReadonlySet<Result> = new Set<Result>([
  "skipped_bad",
  "rolled_back",
  "failed",
  "script_error",
  "refused",
]);

/**
 * Whether `entry` tells the operator something `previous` (the stack's last
 * entry) did not: any success, a failure of another version, or another
 * failure of the same one. The same failure of the same version again (a
 * version held back run after run, a refusal that still holds) is not news: it
 * is printed and notified once (docs/how-it-works.md#output).
 */
export function isNews(previous: HistoryEntry | undefined, entry: HistoryEntry): boolean {
  if (!FAILURES.has(entry.result)) return true;
  if (!previous || previous.stack !== entry.stack || previous.tree !== entry.tree) return true;
  const same = previous.result === entry.result ||
    (entry.result === "skipped_bad" && SAID_BAD.has(previous.result));
  return !same;
}

/** Why one service is not healthy (yet), as the health gate saw it. */
export interface ServiceFault {
  /** The compose service. */
  service: string;
  /** Its container state or health: `unhealthy`, `exited`, `restarting`, `missing`, … */
  state: string;
  /** Last probe output (one line), `exit code N`, `no container`, or `""`. */
  detail: string;
}

/** One line of `history.jsonl`: a stack's outcome in one run. */
export interface HistoryEntry {
  /** When the outcome was reached (ISO time). */
  time: string;
  /** The stack name. */
  stack: string;
  /** The commit deployed (or tried). */
  commit: string;
  /** The version: the stack folder's tree hash. */
  tree: string;
  /** The deploy method used: `blind`, `simple`, `canary` (empty for a removal). */
  method: string;
  /** The outcome. */
  result: Result;
  /** How long the deploy took. */
  duration_ms: number;
  /** One line for humans. */
  message: string;
  /** The services at fault, with their state and last probe output. */
  services: ServiceFault[];
  /** The live compose project name, when it is not the stack name (canary). */
  project?: string;
  /** `swarm` for a `mode: swarm` stack (absent: Compose). */
  mode?: "swarm";
  /** The tail of a script's output. */
  output?: string;
  /** With `image_updates`: the digests of the version (docs/image-updates.md). */
  images?: { service: string; image: string; digest: string }[];
}

// The library's public types are written out (JSR's no-slow-types); the schema
// is typed against them, so the two cannot drift apart.
const HistoryEntrySchema: z.ZodType<HistoryEntry> = z.object({
  time: z.string(),
  stack: z.string(),
  commit: z.string(),
  tree: z.string(),
  method: z.string(),
  result: z.enum(RESULTS),
  duration_ms: z.number(),
  message: z.string(),
  services: z.array(z.object({ service: z.string(), state: z.string(), detail: z.string() })),
  project: z.string().optional(),
  mode: z.literal("swarm").optional(),
  output: z.string().optional(),
  images: z.array(z.object({ service: z.string(), image: z.string(), digest: z.string() }))
    .optional(),
});

/** `value` (a parsed history line) as an entry, or `undefined` when it is not one. */
export function parseHistoryEntry(value: unknown): HistoryEntry | undefined {
  const parsed = HistoryEntrySchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** How a stack's deploy ended, before it becomes a history entry. */
export interface Outcome {
  /** The result. */
  result: Result;
  /** One line for people: what happened and why. */
  message: string;
  /** Services at fault, with their state and last probe output. */
  services: ServiceFault[];
  /** The method used (empty for a removal). */
  method: string;
  /** Script output tails, when a script ran. */
  output?: string;
  /** The compose project live afterwards, when it may not be the stack name (canary). */
  project?: string;
  /** `swarm` for a `mode: swarm` stack. */
  mode?: "swarm";
}

/** Where and when an outcome happened: what a history entry adds to it. */
export interface EntryContext {
  /** When the outcome was reached. */
  time: Date;
  /** The stack name. */
  stack: string;
  /** The commit deployed or tried. */
  commit: string;
  /** The stack's tree hash. */
  tree: string;
  /** How long it took, in milliseconds. */
  ms: number;
  /** The project live afterwards when the outcome does not say (the deployed one). */
  project: string;
  /** The image pins of the version, when it has them. */
  images?: { service: string; image: string; digest: string }[];
}

/** The history entry of an outcome: the one place an entry is put together. */
export function historyEntry(at: EntryContext, outcome: Outcome): HistoryEntry {
  return {
    time: at.time.toISOString(),
    stack: at.stack,
    commit: at.commit,
    tree: at.tree,
    method: outcome.method,
    result: outcome.result,
    duration_ms: Math.round(at.ms),
    message: outcome.message,
    services: outcome.services,
    project: outcome.project ?? at.project,
    ...(outcome.mode ? { mode: outcome.mode } : {}),
    ...(outcome.output ? { output: outcome.output } : {}),
    ...(at.images === undefined ? {} : { images: at.images }),
  };
}
