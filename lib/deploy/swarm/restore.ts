/**
 * Going back to `good_stacks/NAME` on a swarm (docs/swarm.md#rollback): the
 * good files go back into `running_stacks/NAME` (pending until healthy) and
 * are deployed with `docker stack deploy` over the failed version, which
 * Swarm replaces in place; then the same wait as a deploy.
 * @module
 */
import type { DeploySettings } from "../../config/mod.ts";
import { installFiles, readVersion, writeVersion } from "../../state/mod.ts";
import { clearVersions } from "../clear.ts";
import { checkpoint, type DeployContext } from "../context.ts";
import type { Restored } from "../restore.ts";
import { copySettings } from "../restore.ts";
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
  const { paths } = ctx;
  const saved = await readVersion(paths.good(name));
  if (!saved) return "none";
  // Its image pins come back with it: the services get the exact digests that were healthy.
  const pins = saved.images === undefined ? {} : { images: saved.images };
  const good = { commit: saved.commit, tree: saved.tree, ...pins };
  const running = paths.running(name);
  const replaced = await readVersion(running);
  await clearVersions(ctx, name, [replaced?.tree, good.tree]);
  await installFiles(paths.good(name), running);
  await writeVersion(running, { ...good, pending: true, startedAt: ctx.deps.now().toISOString() });
  checkpoint(ctx, name, "rollback_after_copy");
  const own = await copySettings(ctx, name, running, settings);
  const what = await swarmFiles(ctx, name, running, own);
  const gate = await deployAndWait(ctx, name, what, "simple", own.health_timeout);
  if (!gate.ok) return { ok: false, commit: good.commit, tree: good.tree, message: gate.message };
  await writeVersion(running, { ...good, pending: false });
  await tidyObjects(ctx, name, what.names);
  return { ok: true, commit: good.commit, tree: good.tree, message: "healthy" };
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
