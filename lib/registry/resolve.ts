/**
 * A run's registry lookups (docs/image-updates.md#detection): each distinct
 * tag asked once, a few at a time, however many stacks use it.
 * @module
 */
import { pool } from "../pool.ts";
import { type Lookup, lookupDigest, type RegistryOptions } from "./client.ts";
import { type ImageRef, tagName } from "./reference.ts";

/** How many registry requests are in flight at once. */
export const REGISTRY_JOBS = 8;

/** Looks up every distinct tag of `refs` once; the answers by {@link tagName}. */
export async function resolveTags(
  options: RegistryOptions,
  refs: readonly ImageRef[],
): Promise<Map<string, Lookup>> {
  const distinct = new Map<string, ImageRef>();
  for (const ref of refs) distinct.set(tagName(ref), ref);
  const keys = [...distinct.keys()];
  const answers = await pool(
    keys,
    REGISTRY_JOBS,
    (key) => lookupDigest(options, distinct.get(key)!),
  );
  return new Map(keys.map((key, i) => [key, answers[i]!]));
}
