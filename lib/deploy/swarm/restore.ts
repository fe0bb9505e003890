/**
 * Going back to `good_stacks/NAME` on a swarm (docs/swarm.md#rollback): the
 * good files go back into `running_stacks/NAME` (pending until healthy) and
 * are deployed with `docker stack deploy` over the failed version, which
 * Swarm replaces in place; then the same wait as a deploy.
 * @module
 */
import type { DeploySettings } from "../../config/mod.ts";
import { checkpoint, type DeployContext } from "../context.ts";
import { copySettings, reinstallGood, type Restored, restoreEnded } from "../restore.ts";
import { filesTarget } from "../targets.ts";
import { stackEnv } from "./_env.ts";
import { writeStartFirst } from "./_start_first.ts";
import { objectNamesOf, objectsFileOf, pinObjectNames } from "./objects.ts";
import { removeUnusedObjects } from "./unused_objects.ts";
import { errorMessage, HostError } from "../../errors.ts";
import { deployAndWait, type SwarmDeploy } from "./gate.ts";

/** Deploys the good copy of swarm stack `name` and waits for it; "none" without one. */
export async function restoreSwarmGood(
  ctx: DeployContext,
  name: string,
  settings: DeploySettings,
): Promise<Restored> {
  // Nothing goes down first: Swarm replaces the failed version's services in place.
  const back = await reinstallGood(ctx, name, settings);
  if (back === "none") return "none";
  checkpoint(ctx, name, "rollback_after_copy");
  const what = await swarmFiles(ctx, name, back.running, back.own);
  const gate = await deployAndWait(ctx, name, what, "simple", back.own.health_timeout);
  const ended = await restoreEnded(back, gate);
  if (ended.ok) await tidyObjects(ctx, name, what.names);
  return ended;
}

/**
 * What `docker stack deploy` gets for the copy in `dir`: its compose files
 * (with its image pins' override, when it has one), the override naming its
 * configs and secrets after their content, the
 * start-first override for `canary`, and its `.env`.
 */
export async function swarmFiles(
  ctx: DeployContext,
  name: string,
  dir: string,
  settings: Pick<DeploySettings, "compose_files" | "method">,
): Promise<SwarmDeploy> {
  const files = (await filesTarget(ctx, name, dir, settings)).files ?? [];
  const pinned = await pinObjectNames(name, files, objectsFileOf(dir));
  const startFirst = settings.method === "canary"
    ? await writeStartFirst(ctx, dir, files)
    : undefined;
  return {
    files: startFirst === undefined ? pinned.files : [...pinned.files, startFirst],
    env: await stackEnv(dir),
    names: pinned.names,
  };
}

/**
 * Removes the stack's configs and secrets that neither the running version
 * (`running`, its names) nor the good copy uses. A failure is a warning: what
 * is left is removed by a later deploy.
 */
export async function tidyObjects(
  ctx: DeployContext,
  name: string,
  running: readonly string[],
): Promise<void> {
  try {
    const good = ctx.paths.good(name);
    const goodSettings = await copySettings(ctx, name, good, undefined);
    const goodNames = goodSettings === undefined
      ? []
      : await objectNamesOf(name, (await filesTarget(ctx, name, good, goodSettings)).files ?? []);
    await removeUnusedObjects(ctx.swarm, name, [...running, ...goodNames]);
  } catch (error) {
    if (error instanceof HostError) throw error;
    ctx.deps.logger.warn(
      `stack "${name}": unused configs and secrets not removed: ${errorMessage(error)}`,
    );
  }
}
