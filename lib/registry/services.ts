/**
 * Which services of a stack have an image to follow
 * (docs/image-updates.md#which-images): those whose image is named by tag.
 * A service built by compose (`build:`), pinned (`@sha256:`), or whose image
 * holds a variable is not checked. Pure: it reads the compose files' text,
 * later files overriding earlier ones, as compose merges them.
 * @module
 */
import YAML from "yaml";
import { z } from "zod";
import { type ImageRef, parseImageRef } from "./reference.ts";

/** One service's image, as the compose files name it. */
export interface ServiceImage {
  /** The compose service. */
  service: string;
  /** The image as written. */
  image: string;
  /** Why it is not checked, or the reference that is. */
  check: { ref: ImageRef } | { skip: "build" | "pinned" | "variable" | "invalid" };
}

const Services = z.object({
  services: z.record(
    z.string(),
    z.object({ image: z.string().optional(), build: z.unknown().optional() }).nullish(),
  ).nullish(),
});

/** The image of every service that has one, with whether and how it is checked. */
export function serviceImages(texts: readonly string[]): ServiceImage[] {
  const merged = new Map<string, { image?: string; build: boolean }>();
  for (const text of texts) {
    let data: unknown;
    try {
      data = YAML.parse(text, { maxAliasCount: 100 });
    } catch {
      continue; // the preflight names a file that does not parse
    }
    const parsed = Services.safeParse(data);
    if (!parsed.success) continue;
    for (const [service, spec] of Object.entries(parsed.data.services ?? {})) {
      const before = merged.get(service) ?? { build: false };
      merged.set(service, {
        image: spec?.image ?? before.image,
        build: before.build || (spec?.build !== undefined && spec.build !== null),
      });
    }
  }
  return [...merged].flatMap(([service, { image, build }]) => {
    if (image === undefined) return [];
    return [{ service, image, check: checkOf(image, build) }];
  });
}

function checkOf(image: string, build: boolean): ServiceImage["check"] {
  if (build) return { skip: "build" };
  if (image.includes("$")) return { skip: "variable" };
  const ref = parseImageRef(image);
  if (ref === undefined) return { skip: "invalid" };
  if (ref.digest !== undefined) return { skip: "pinned" };
  return { ref };
}
