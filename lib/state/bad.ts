/**
 * Bad versions, `base_dir/bad.json` (docs/how-it-works.md#bad-marks): one
 * mark per stack naming the tree that failed. The file is validated when read
 * (a corrupt file is an error, never an empty list: that would redeploy every
 * bad version) and rewritten atomically on each change. Reports read it
 * leniently instead: what is valid, and one line on what is not.
 * @module
 */
import { z } from "zod";
import { AutostackError, errorMessage } from "../errors.ts";
import { readTextOrUndefined, writeFileAtomic } from "../fsutil.ts";
import { type ImagePin, samePins } from "./pins.ts";

/** Why and when a stack's version was marked bad. */
export interface BadMark {
  /** The tree hash of the stack folder: the version that failed. */
  tree: string;
  /** The commit it was deployed from. */
  commit: string;
  /** When it was marked (ISO time). */
  marked_at: string;
  /** What was wrong, e.g. the services at fault. */
  reason: string;
  /** With `image_updates`: the digests of the version that failed (docs/image-updates.md). */
  images?: ImagePin[];
}

// BadMark is part of the library's API, so it is written out (JSR's no-slow-types);
// the schema is typed against it, so the two cannot drift apart.
const BadMarkSchema: z.ZodType<BadMark> = z.object({
  tree: z.string().min(1),
  commit: z.string(),
  marked_at: z.string(),
  reason: z.string(),
  images: z.array(z.object({ service: z.string(), image: z.string(), digest: z.string() }))
    .optional(),
});
const BadFile = z.record(z.string(), BadMarkSchema);

/**
 * Reads the marks of `path`, by stack name; a missing or blank file has none.
 * Throws {@link AutostackError} naming the file when it is not valid.
 */
export async function readBad(path: string): Promise<Record<string, BadMark>> {
  const text = await readTextOrUndefined(path);
  if (text === undefined || text.trim() === "") return {};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = errorMessage(error).replace(/\s+/g, " ");
    throw new AutostackError(`${path} is not valid JSON: ${message}`, {
      cause: error,
    });
  }
  const parsed = BadFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
    throw new AutostackError(
      `${path} is not a valid bad-versions file${where}: ${issue?.message ?? "invalid"}`,
      { cause: parsed.error },
    );
  }
  // fromEntries makes every key an own property, whatever the stack is called.
  return Object.fromEntries(Object.entries(parsed.data));
}

/** What {@link readBadLenient} could read, and what is wrong with the file. */
export interface LenientBad {
  /** The marks that are valid, by stack name. */
  marks: Record<string, BadMark>;
  /** One line naming the file and what is wrong with it; absent when the file is valid. */
  problem?: string;
}

/**
 * Reads the marks of `path` for a report (`bad list`, `status`): the valid
 * marks, and a problem line when the file is corrupt, instead of throwing.
 * Never for a run: there, a corrupt file must stop it ({@link readBad}).
 */
export async function readBadLenient(path: string): Promise<LenientBad> {
  let text: string | undefined;
  try {
    text = await readTextOrUndefined(path);
  } catch (error) {
    return { marks: {}, problem: `${path} cannot be read: ${errorMessage(error)}` };
  }
  if (text === undefined || text.trim() === "") return { marks: {} };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // V8 quotes the text around the error, newlines included: keep it one line.
    const message = errorMessage(error).replace(/\s+/g, " ");
    return { marks: {}, problem: `${path} is not valid JSON: ${message}` };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { marks: {}, problem: `${path} is not a valid bad-versions file: not a JSON object` };
  }
  const valid: [string, BadMark][] = [];
  const broken: string[] = [];
  for (const [name, value] of Object.entries(data)) {
    const parsed = BadMarkSchema.safeParse(value);
    if (parsed.success) valid.push([name, parsed.data]);
    else {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `.${issue.path.join(".")}` : "";
      broken.push(`${JSON.stringify(name)}${where}: ${issue?.message ?? "invalid"}`);
    }
  }
  // fromEntries makes every key an own property, whatever the stack is called.
  const marks = Object.fromEntries(valid);
  if (broken.length === 0) return { marks };
  const what = broken.length === 1 ? "an invalid mark" : `${broken.length} invalid marks`;
  return { marks, problem: `${path} has ${what}, left out: ${broken.join("; ")}` };
}

/** Marks `mark.tree` of stack `name` bad, replacing its earlier mark. */
export async function markBad(path: string, name: string, mark: BadMark): Promise<void> {
  const marks = await readBad(path);
  const entries = Object.entries(marks).filter(([stack]) => stack !== name);
  entries.push([name, { ...mark }]);
  await writeMarks(path, Object.fromEntries(entries));
}

/** Removes the mark of stack `name`; returns `false` when it had none. */
export async function clearBad(path: string, name: string): Promise<boolean> {
  const marks = await readBad(path);
  if (!Object.hasOwn(marks, name)) return false;
  await writeMarks(path, Object.fromEntries(Object.entries(marks).filter(([s]) => s !== name)));
  return true;
}

/**
 * Whether version `tree` of stack `name` is marked bad; with `images` (the
 * stack checks its images), only when the mark names the same digests.
 */
export function isBad(
  marks: Record<string, BadMark>,
  name: string,
  tree: string,
  images?: readonly ImagePin[],
): boolean {
  if (!Object.hasOwn(marks, name)) return false;
  const mark = marks[name];
  if (mark?.tree !== tree) return false;
  return images === undefined || samePins(mark.images ?? [], images);
}

async function writeMarks(path: string, marks: Record<string, BadMark>): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(marks, null, 2) + "\n");
}
