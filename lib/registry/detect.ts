/**
 * A run's image check (docs/image-updates.md#detection): the digest behind
 * the tag of every followed image of the stacks that set `image_updates`,
 * each distinct tag asked once, and the pins each stack's version is made of.
 * A registry that cannot say keeps the deployed digest of its images (so the
 * stack keeps its version), and is told in one line per registry.
 * @module
 */
import type { ImagePin, VersionInfo } from "../state/mod.ts";
import type { Lookup, RegistryOptions } from "./client.ts";
import { tagName } from "./reference.ts";
import { resolveTags } from "./resolve.ts";
import { serviceImages } from "./services.ts";

/** A stack whose images are followed. */
export interface FollowedStack {
  /** The stack name. */
  name: string;
  /** The text of its compose files, in order (the main file, then `compose_files`). */
  composeTexts: string[];
  /** Its deployed version, when there is one. */
  deployed?: VersionInfo;
}

/** What the check found. */
export interface ImageCheck {
  /** The pins of each followed stack's version. */
  images: Map<string, ImagePin[]>;
  /** One line per registry that could not say, naming it, why and its images. */
  unavailable: string[];
  /** The distinct tags asked. */
  asked: string[];
  /** The digest behind each tag that got an answer, by tag. */
  found: Map<string, string>;
}

/** Asks the registries about every followed stack's images. */
export async function checkImages(
  options: RegistryOptions,
  stacks: readonly FollowedStack[],
): Promise<ImageCheck> {
  const perStack = stacks.map((stack) => ({
    stack,
    followed: serviceImages(stack.composeTexts).flatMap((s) =>
      "ref" in s.check ? [{ ...s, ref: s.check.ref }] : []
    ),
  }));
  const answers = await resolveTags(options, perStack.flatMap((s) => s.followed.map((f) => f.ref)));
  const images = new Map<string, ImagePin[]>();
  for (const { stack, followed } of perStack) {
    images.set(
      stack.name,
      followed.flatMap((f) => {
        const answer = answers.get(tagName(f.ref));
        if (answer?.ok) return [{ service: f.service, image: f.image, digest: answer.digest }];
        // Not known now: the deployed digest of the same image stands, so nothing changes.
        const kept = stack.deployed?.images?.find((p) =>
          p.service === f.service && p.image === f.image
        );
        return kept === undefined ? [] : [kept];
      }),
    );
  }
  const found = new Map(
    [...answers].flatMap(([tag, answer]) => answer.ok ? [[tag, answer.digest]] : []),
  );
  return { images, unavailable: unavailableLines(answers), asked: [...answers.keys()], found };
}

/** `registry R: unavailable (why): images A, B not checked; what runs is kept`, one per registry. */
function unavailableLines(answers: ReadonlyMap<string, Lookup>): string[] {
  const byRegistry = new Map<string, { reason: string; tags: string[] }>();
  for (const [tag, answer] of answers) {
    if (answer.ok) continue;
    const entry = byRegistry.get(answer.registry) ?? { reason: answer.reason, tags: [] };
    entry.tags.push(tag);
    byRegistry.set(answer.registry, entry);
  }
  return [...byRegistry].map(([registry, { reason, tags }]) =>
    `registry ${registry}: ${reason}: ${tags.join(", ")} not checked; the deployed images are kept`
  );
}
