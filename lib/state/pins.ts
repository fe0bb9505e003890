/**
 * Image pins (docs/image-updates.md#pins): the digest each service's tag was
 * resolved to when a version was deployed. They are part of the version
 * (`version.txt` lists them), and the running copy holds them as a compose
 * override file that compose reads after the stack's own files, so what runs
 * is exactly the digest checked, and a copy of the folder (the good copy, a
 * release) comes back with the same images even after the tag moved.
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../fsutil.ts";

/** The compose override file of a copy whose images are pinned. */
export const PINS_FILE = ".autostack-images.yaml";

/** One service's image, pinned. */
export interface ImagePin {
  /** The compose service. */
  service: string;
  /** The image as the compose file names it (`registry/app:stable`). */
  image: string;
  /** The digest its tag was resolved to (`sha256:…`). */
  digest: string;
}

/** `image` with its tag replaced by `@digest`, as compose and docker pull it. */
export function pinnedImage(pin: Pick<ImagePin, "image" | "digest">): string {
  // The tag is after the last colon of the last path part (a colon before a slash is a port).
  return `${pin.image.replace(/:[^/:@]*$/, "")}@${pin.digest}`;
}

/** The override file's text: every pinned service with its image by digest. */
export function formatPinsFile(pins: readonly ImagePin[]): string {
  const services = Object.fromEntries(
    pins.map((pin) => [pin.service, { image: pinnedImage(pin) }]),
  );
  // JSON is YAML, and needs no quoting rules of its own.
  return "# Written by autostack (image_updates): the digests this version was deployed with.\n" +
    JSON.stringify({ services }, null, 2) + "\n";
}

/** Writes (pins) or removes (none) the override file of the copy in `dir`. */
export async function writePins(dir: string, pins: readonly ImagePin[]): Promise<void> {
  const path = join(dir, PINS_FILE);
  if (pins.length > 0) return await writeFileAtomic(path, formatPinsFile(pins));
  await Deno.remove(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

/** Whether two lists pin the same services to the same digests, in any order. */
export function samePins(a: readonly ImagePin[], b: readonly ImagePin[]): boolean {
  if (a.length !== b.length) return false;
  const key = (p: ImagePin) => `${p.service}\n${p.digest}`;
  const seen = new Set(a.map(key));
  return b.every((p) => seen.has(key(p)));
}

/** `sha256:1a2b3c4d5e6f…`: a digest as the plan shows it. */
export function shortDigest(digest: string): string {
  return `${digest.slice(0, 19)}…`;
}

/**
 * What moved between the deployed pins and the wanted ones, one phrase per
 * service (`image web: sha256:1a2b… → sha256:3c4d…`); empty when nothing did.
 */
export function imageChanges(
  deployed: readonly ImagePin[] | undefined,
  wanted: readonly ImagePin[],
): string[] {
  const before = new Map((deployed ?? []).map((p) => [p.service, p.digest]));
  return wanted.flatMap((pin) => {
    const was = before.get(pin.service);
    if (was === pin.digest) return [];
    const from = was === undefined ? "not pinned" : shortDigest(was);
    return [`image ${pin.service}: ${from} → ${shortDigest(pin.digest)}`];
  });
}

/** Whether two versions are the same: the same tree, pinned to the same digests. */
export function sameVersion(
  a: { tree: string; images?: readonly ImagePin[] },
  b: { tree: string; images?: readonly ImagePin[] },
): boolean {
  return a.tree === b.tree && samePins(a.images ?? [], b.images ?? []);
}
