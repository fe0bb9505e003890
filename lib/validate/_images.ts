/**
 * Private to `validate.ts`: the images `image_updates` cannot follow
 * (docs/image-updates.md#which-images): a service built here (`build:`), one
 * pinned with `@sha256:`, and one whose image holds a variable. Each is a
 * warning naming the service and its line.
 * @module
 */
import { serviceImages } from "../registry/mod.ts";
import type { Finding, Locate } from "./_model.ts";

/** Warnings for the services of a stack with `image_updates: true` whose image is not followed. */
export function imageFindings(
  texts: readonly string[],
  ctx: { folder: string; stack: string; locate: Locate },
): Finding[] {
  return serviceImages(texts).flatMap((s) => {
    if ("ref" in s.check) return [];
    const why = skipWords(s.check.skip);
    const place = ctx.locate(["services", s.service, "image"]);
    return [{
      level: "warning",
      rule: "image-not-followed",
      folder: ctx.folder,
      stack: ctx.stack,
      ...place,
      message:
        `service "${s.service}": image_updates is on, but ${s.image} is not followed: ${why}`,
    }];
  });
}

function skipWords(skip: "build" | "pinned" | "variable" | "invalid"): string {
  switch (skip) {
    case "build":
      return "it is built here (build:)";
    case "pinned":
      return "it is pinned by digest (@sha256:)";
    case "variable":
      return "its name holds a variable";
    case "invalid":
      return "not a valid image reference";
  }
}
