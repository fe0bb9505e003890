/**
 * When autostack first saw each digest behind a followed tag,
 * `base_dir/images_seen.json` (docs/image-updates.md#image_min_age): the
 * clock of `image_min_age`. One entry per tag, the digest behind it now and
 * when a run first met that digest there; a tag that moves starts a new clock.
 * Kept for every followed tag, so that turning `image_min_age` on counts from
 * when a digest appeared, not from that moment; a tag no stack follows any
 * more is dropped. Read leniently: a file that
 * cannot be read restarts every clock (a later deploy, never an earlier one).
 * @module
 */
import { z } from "zod";
import { errorMessage } from "../errors.ts";
import { readTextOrUndefined, writeFileAtomic } from "../fsutil.ts";

/** The digest behind one tag and when it was first seen there. */
export interface SeenDigest {
  /** `sha256:…`. */
  digest: string;
  /** When a run first found it behind the tag (ISO time). */
  seen_at: string;
}

/** The first-seen times, by tag (`registry/name:tag`, as docker names it). */
export type SeenImages = Record<string, SeenDigest>;

const SeenFile = z.record(
  z.string(),
  z.object({ digest: z.string(), seen_at: z.iso.datetime() }),
);

/** What {@link readSeen} found, and why the file was not used when it was not. */
export interface ReadSeen {
  /** The entries (none when the file is missing or unusable). */
  seen: SeenImages;
  /** One line naming the file and what is wrong with it. */
  problem?: string;
}

/** Reads `path`; a missing file holds nothing, an unusable one is a problem line. */
export async function readSeen(path: string): Promise<ReadSeen> {
  const text = await readTextOrUndefined(path);
  if (text === undefined || text.trim() === "") return { seen: {} };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { seen: {}, problem: `${path} is not valid JSON (${errorMessage(error)})` };
  }
  const parsed = SeenFile.safeParse(data);
  if (!parsed.success) return { seen: {}, problem: `${path} is not a valid first-seen file` };
  return { seen: Object.fromEntries(Object.entries(parsed.data)) };
}

/** Writes `seen` to `path` atomically. */
export async function writeSeen(path: string, seen: SeenImages): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(seen, null, 2) + "\n");
}

/**
 * `seen` with the digests found now (by tag) recorded: a tag whose digest is
 * new gets `now`; the others stay as they were. With `followed` (every tag
 * any stack follows, known when a run looked at all stacks), the tags no
 * stack follows any more are dropped. Pure.
 */
export function recordSeen(
  seen: Readonly<SeenImages>,
  found: ReadonlyMap<string, string>,
  now: Date,
  followed?: ReadonlySet<string>,
): SeenImages {
  const kept = Object.entries(seen).filter(([tag]) => followed === undefined || followed.has(tag));
  const out: SeenImages = Object.fromEntries(kept);
  for (const [tag, digest] of found) {
    if (out[tag]?.digest !== digest) out[tag] = { digest, seen_at: now.toISOString() };
  }
  return out;
}
