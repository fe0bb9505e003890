/**
 * Removing the configs and secrets of a swarm stack that neither its running
 * nor its good version uses (docs/swarm.md#configs-and-secrets): with names
 * that change with their content (`objects.ts`), each changed file leaves an
 * old object behind. One a service still uses (a task still stopping) is
 * kept until next time, not an error.
 * @module
 */
import type { Swarm, SwarmObjectKind } from "../../docker/mod.ts";
import { OBJECT_SECTIONS, type ObjectSection } from "./objects.ts";

/** What {@link removeUnusedObjects} did. */
export interface ObjectCleanup {
  /** Objects removed, as `configs/NAME` or `secrets/NAME`. */
  removed: string[];
  /** Objects not in `keep` that a service still uses (an old task still stopping): left for next time. */
  inUse: string[];
}

/** The docker CLI's word for the objects of a compose file's section. */
const KIND: Readonly<Record<ObjectSection, SwarmObjectKind>> = {
  configs: "config",
  secrets: "secret",
};

/**
 * Removes the configs and secrets labelled as `stack`'s whose names are not
 * in `keep` (the names the running and the good version use). One a service
 * still uses is refused by Docker and kept; one already gone is no error.
 */
export async function removeUnusedObjects(
  swarm: Swarm,
  stack: string,
  keep: Iterable<string>,
): Promise<ObjectCleanup> {
  const kept = new Set(keep);
  const done: ObjectCleanup = { removed: [], inUse: [] };
  // Both lists at once: asked after every healthy deploy, and mostly empty.
  const lists = await Promise.all(
    OBJECT_SECTIONS.map(async (section) =>
      [section, await swarm.objects(KIND[section], stack)] as const
    ),
  );
  for (const [section, listed] of lists) {
    for (const name of listed.filter((n) => !kept.has(n)).sort()) {
      const removal = await swarm.removeObject(KIND[section], name);
      if (removal === "removed") done.removed.push(`${section}/${name}`);
      if (removal === "in_use") done.inUse.push(`${section}/${name}`);
    }
  }
  return done;
}
