/**
 * `image_min_age` (docs/image-updates.md#image_min_age): a new digest behind a
 * tag is deployed only once it has been there that long, counted from when a
 * run first saw it ({@link SeenImages}). Until then the service keeps the
 * digest it is deployed with, so the stack keeps its version, and the plan
 * says until when it waits. Pure.
 * @module
 */
import { formatSetting } from "../duration.ts";
import { type ImagePin, type SeenImages, shortDigest } from "../state/mod.ts";
import { parseImageRef, tagName } from "./reference.ts";

/** The pins a stack deploys with now, and a phrase for each digest that waits. */
export interface Held {
  /** The wanted pins, with a digest too young replaced by the deployed one. */
  pins: ImagePin[];
  /** `image app: sha256:… waits until 2026-12-03T10:00:00Z (image_min_age 2d)`, one per service. */
  waits: string[];
}

/**
 * Holds back each wanted digest younger than `minAgeMs`. Only a move away
 * from a deployed digest of the same image waits: a service never pinned (a
 * new stack, `image_updates` just turned on) or whose image a commit renamed
 * has nothing older to stay on. A digest not in `seen` is seen `now`.
 */
export function holdYoung(
  deployed: readonly ImagePin[] | undefined,
  wanted: readonly ImagePin[],
  seen: Readonly<SeenImages>,
  now: Date,
  minAgeMs: number,
): Held {
  const pins: ImagePin[] = [];
  const waits: string[] = [];
  for (const pin of wanted) {
    const was = deployed?.find((p) => p.service === pin.service && p.image === pin.image);
    const ready = firstSeen(seen, pin, now) + minAgeMs;
    if (was === undefined || was.digest === pin.digest || ready <= now.getTime()) {
      pins.push(pin);
      continue;
    }
    pins.push(was);
    const until = new Date(ready).toISOString().replace(/\.\d{3}Z$/, "Z");
    waits.push(
      `image ${pin.service}: ${shortDigest(pin.digest)} waits until ${until} ` +
        `(image_min_age ${formatSetting(minAgeMs)})`,
    );
  }
  return { pins, waits };
}

/** When `pin`'s digest was first seen behind its tag, in ms; `now` when it was not. */
function firstSeen(seen: Readonly<SeenImages>, pin: ImagePin, now: Date): number {
  const ref = parseImageRef(pin.image);
  const entry = ref === undefined ? undefined : seen[tagName(ref)];
  if (entry?.digest !== pin.digest) return now.getTime();
  const at = Date.parse(entry.seen_at);
  return Number.isNaN(at) ? now.getTime() : at;
}
