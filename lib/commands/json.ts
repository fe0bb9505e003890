/**
 * The one JSON contract of every command's `--json` (docs/json-output.md): a
 * document is an object with `schema_version`, lists are arrays, the same
 * names everywhere (`stack`, `commit`, `tree`, `result`, `at`), times in ISO
 * 8601 UTC. The zod schemas are the contract; the builders make documents
 * that meet it.
 * @module
 */
import { z } from "zod";
import { type HistoryEntry, type Result, RESULTS } from "../outcome.ts";
import type { BadMark } from "../state/mod.ts";

/** The version of the documents' shapes; it changes only when a field changes meaning or goes. */
export const SCHEMA_VERSION = 1;

const Time: z.ZodISODateTime = z.iso.datetime();
const Version: { schema_version: z.ZodLiteral<1> } = { schema_version: z.literal(SCHEMA_VERSION) };

/** What every document starts with. */
export interface Versioned {
  /** Always {@link SCHEMA_VERSION}. */
  schema_version: 1;
}

/** A stack's outcome in JSON: a history entry with `at` for `time`. */
export type OutcomeJson = Omit<HistoryEntry, "time"> & { at: string };

/** A service's image pinned by digest (docs/image-updates.md). */
export interface PinJson {
  service: string;
  image: string;
  digest: string;
}

/** A bad mark in JSON. */
export interface MarkJson {
  stack: string;
  tree: string;
  commit: string;
  at: string;
  reason: string;
  /** With `image_updates`: the digests of the version marked. */
  images?: PinJson[];
}

/** `run --json`, `rollback --json`. */
export interface RunJson extends Versioned {
  commit: string;
  results: OutcomeJson[];
}

/** One stack of the plan. */
export interface PlanStackJson {
  stack: string;
  status: string;
  action: string;
  /** `compose` or `swarm`; null when the settings are not known (invalid, or left the repo). */
  mode: string | null;
  why: string;
  path: string | null;
  tree: string | null;
  deployed: { commit: string; tree: string } | null;
  files: string[];
  problems: string[];
  warnings: string[];
}

/** `run --dry-run --json`. */
export interface PlanJson extends Versioned {
  commit: string;
  dry_run: true;
  stacks: PlanStackJson[];
  errors: string[];
}

/** One stack of `status --json`. */
export interface StatusStackJson {
  stack: string;
  /** The compose project it is live under: the stack name, or `NAME-canary` after a canary. */
  project: string;
  commit: string | null;
  tree: string | null;
  /** `true` while a deploy of it is in flight or was interrupted (no outcome since it began). */
  pending: boolean;
  /** `healthy`, `stopped`, `down` (no containers), `unknown`, or `unhealthy: …`. */
  health: string;
  /** Containers running healthy (or done, for one-shot jobs) of all its containers, e.g. `2/2`. */
  services: string;
  /** With `image_updates`: the digests it was deployed with. */
  images?: PinJson[];
  last: { result: Result; at: string; message: string } | null;
  bad: Omit<MarkJson, "stack"> | null;
}

/** `status --json`. */
export interface StatusJson extends Versioned {
  stacks: StatusStackJson[];
}

/** `history --json`. */
export interface HistoryJson extends Versioned {
  entries: OutcomeJson[];
}

/** `bad list --json`. */
export interface BadListJson extends Versioned {
  marks: MarkJson[];
}

/** `bad clear NAME --json`. */
export interface BadClearJson extends Versioned {
  cleared: MarkJson;
}

/** A failure with `--json`. */
export interface ErrorJson extends Versioned {
  error: { message: string; code: number };
}

const Pins = z.array(
  z.strictObject({ service: z.string(), image: z.string(), digest: z.string() }),
);

/** A stack's outcome: a history entry, with `at` for its time. */
export const OutcomeJsonSchema: z.ZodType<OutcomeJson> = z.strictObject({
  at: Time,
  stack: z.string(),
  commit: z.string(),
  tree: z.string(),
  method: z.string(),
  result: z.enum(RESULTS),
  duration_ms: z.number(),
  message: z.string(),
  services: z.array(z.strictObject({ service: z.string(), state: z.string(), detail: z.string() })),
  project: z.string().optional(),
  mode: z.literal("swarm").optional(),
  output: z.string().optional(),
  images: Pins.optional(),
});

/** A bad mark, with the stack it belongs to. */
export const MarkJsonSchema: z.ZodType<MarkJson> = z.strictObject({
  stack: z.string(),
  tree: z.string(),
  commit: z.string(),
  at: z.string(),
  reason: z.string(),
  images: Pins.optional(),
});

/** `run --json` and `rollback --json`: the outcomes written. */
export const RunJsonSchema: z.ZodType<RunJson> = z.strictObject({
  ...Version,
  commit: z.string(),
  results: z.array(OutcomeJsonSchema),
});

/** `run --dry-run --json`: the plan. */
export const PlanJsonSchema: z.ZodType<PlanJson> = z.strictObject({
  ...Version,
  commit: z.string(),
  dry_run: z.literal(true),
  stacks: z.array(z.strictObject({
    stack: z.string(),
    status: z.string(),
    action: z.string(),
    mode: z.string().nullable(),
    why: z.string(),
    path: z.string().nullable(),
    tree: z.string().nullable(),
    deployed: z.strictObject({ commit: z.string(), tree: z.string() }).nullable(),
    files: z.array(z.string()),
    problems: z.array(z.string()),
    warnings: z.array(z.string()),
  })),
  errors: z.array(z.string()),
});

/** `status --json`: every stack deployed here or marked bad. */
export const StatusJsonSchema: z.ZodType<StatusJson> = z.strictObject({
  ...Version,
  stacks: z.array(z.strictObject({
    stack: z.string(),
    project: z.string(),
    commit: z.string().nullable(),
    tree: z.string().nullable(),
    pending: z.boolean(),
    health: z.string(),
    services: z.string(),
    images: Pins.optional(),
    last: z.strictObject({ result: z.enum(RESULTS), at: Time, message: z.string() }).nullable(),
    bad: z.strictObject({
      tree: z.string(),
      commit: z.string(),
      at: z.string(),
      reason: z.string(),
      images: Pins.optional(),
    }).nullable(),
  })),
});

/** `history --json`: entries, newest first. */
export const HistoryJsonSchema: z.ZodType<HistoryJson> = z.strictObject({
  ...Version,
  entries: z.array(OutcomeJsonSchema),
});

/** `bad list --json`: the marks, by stack name. */
export const BadListJsonSchema: z.ZodType<BadListJson> = z.strictObject({
  ...Version,
  marks: z.array(MarkJsonSchema),
});

/** `bad clear NAME --json`: the mark lifted. */
export const BadClearJsonSchema: z.ZodType<BadClearJson> = z.strictObject({
  ...Version,
  cleared: MarkJsonSchema,
});

/** Any command's failure with `--json`: the one line of stderr, and the exit code. */
export const ErrorJsonSchema: z.ZodType<ErrorJson> = z.strictObject({
  ...Version,
  error: z.strictObject({ message: z.string(), code: z.number().int() }),
});

/** A history entry as JSON: `time` is `at`. Pure. */
export function outcomeJson(entry: HistoryEntry): OutcomeJson {
  const { time, ...rest } = entry;
  return { at: time, ...rest };
}

/** A bad mark as JSON: `marked_at` is `at`. Pure. */
export function markJson(stack: string, mark: BadMark): MarkJson {
  const { marked_at, ...rest } = mark;
  return { stack, ...rest, at: marked_at };
}

/** A document, pretty-printed, with its `schema_version` first. */
export function jsonDocument(body: Record<string, unknown>): string {
  return JSON.stringify({ schema_version: SCHEMA_VERSION, ...body }, null, 2);
}

/** The JSON of a failure: what main.ts prints on stdout with `--json`. */
export function errorJson(message: string, code: number): string {
  return jsonDocument({ error: { message, code } });
}
