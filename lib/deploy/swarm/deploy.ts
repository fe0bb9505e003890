/**
 * The deploy of a `mode: swarm` stack (docs/swarm.md#deploy-steps): the old
 * version is not taken down (Swarm updates services in place), so the steps
 * are: check the engine is a manager → keep the running version as the good
 * copy when it is healthy → `pre_deploy` → copy + `version.txt` (pending) →
 * a Compose project of the name taken down → `docker stack deploy` → wait until converged and healthy (not healthy: the
 * good copy is deployed back and the version marked bad) → `post_deploy`.
 * @module
 */
import { join } from "node:path";
import type { DeploySettings } from "../../config/mod.ts";
import type { Outcome } from "../../outcome.ts";
import { copyStack } from "../../repo/mod.ts";
import { type PlainFile, writePlainFiles } from "../../secrets/mod.ts";
import { readVersion, saveGood, writeVersion } from "../../state/mod.ts";
import { clearVersions } from "../clear.ts";
import { checkpoint, type DeployContext } from "../context.ts";
import { holdBack, hookEnv, hookFailure, runHook } from "../hooks.ts";
import { backOn, finishHealthy, settleUnhealthy, type WentBack } from "../settle.ts";
import type { DeployItem } from "../plan.ts";
import { labelTarget } from "../targets.ts";
import { deployAndWait, lookAt } from "./gate.ts";
import { restoreSwarmGood, swarmFiles, tidyObjects } from "./restore.ts";

/** The one line a swarm stack fails with on an engine that cannot deploy stacks. */
export const NEEDS_MANAGER =
  "mode: swarm needs a swarm manager (docker swarm init, or run on a manager)";

/**
 * Deploys the repo's version of a swarm stack; `canary` means a start-first
 * rolling update; `secrets` are the version's decrypted files, written into
 * its copy. Throws only on Docker or file errors, which the caller turns into
 * a `failed` outcome.
 */
export async function deploySwarm(
  ctx: DeployContext,
  item: DeployItem,
  secrets: readonly PlainFile[] = [],
): Promise<Outcome> {
  return { ...await swarmSteps(ctx, item, secrets), mode: "swarm" };
}

async function swarmSteps(
  ctx: DeployContext,
  item: DeployItem,
  secrets: readonly PlainFile[],
): Promise<Outcome> {
  const { name, stack, settings } = item;
  const method = settings.method;
  if (await ctx.swarm.role() !== "manager") {
    return { result: "failed", message: NEEDS_MANAGER, services: [], method };
  }
  // Asked now, answered while the files are copied: a Compose project of the
  // stack's name is taken down just before the deploy.
  const composeLeft = ctx.swarm.composeOn(name);
  composeLeft.catch(() => {}); // awaited below; an early return must not leave it unhandled
  const { paths } = ctx;
  const running = paths.running(name);
  const oldVersion = item.deployed ?? await readVersion(running);
  if (oldVersion !== undefined && !oldVersion.pending) {
    // The version Swarm runs now, seen healthy, is the one to go back to; a
    // version saved as good when its deploy turned healthy needs no new look.
    const good = await readVersion(paths.good(name));
    if (good?.tree !== oldVersion.tree && (await lookAt(ctx, name)).status === "healthy") {
      await saveGood(paths, name, ctx.config.keep_releases);
    }
  }

  const scriptEnv = hookEnv(ctx, name, stack.tree, oldVersion?.commit);
  const repoDir = join(paths.repo, stack.path);
  let output = "";
  if (settings.pre_deploy) {
    const pre = await runHook(ctx, "pre_deploy", settings.pre_deploy, settings, repoDir, scriptEnv);
    output = pre.tail;
    if (!pre.ok) {
      return await holdBack(ctx, item, hookFailure("pre_deploy", pre, method, "nothing changed"));
    }
  }

  // Pinned images go into the stack deploy as the copy's override (docs/image-updates.md#pins).
  const pins = item.images === undefined ? {} : { images: item.images };
  const version = { commit: ctx.head.commit, tree: stack.tree, pending: true, ...pins };
  await clearVersions(ctx, name, [oldVersion?.tree, stack.tree]);
  checkpoint(ctx, name, "after_clear");
  await copyStack(paths.repo, stack, running);
  await writePlainFiles(running, secrets);
  await writeVersion(running, { ...version, startedAt: ctx.deps.now().toISOString() });
  checkpoint(ctx, name, "after_copy");

  // After `pre_deploy` (a failed script leaves the project running), before the deploy:
  // its ports and names would clash with the services'.
  if (await composeLeft) await ctx.compose.down(labelTarget(ctx, name));
  checkpoint(ctx, name, "after_stop");

  const how = method === "blind" ? "blind" : "simple";
  const what = await swarmFiles(ctx, name, running, settings);
  const gate = await deployAndWait(ctx, name, what, how, settings.health_timeout);
  if (!gate.ok) {
    return await settleUnhealthy(
      ctx,
      item,
      gate,
      method,
      () => afterUnhealthy(ctx, name, settings),
    );
  }
  return await finishHealthy(ctx, item, {
    version,
    method: how,
    named: method,
    blindWords: "deployed to the swarm (blind: no health check)",
    hooks: { dir: repoDir, env: scriptEnv },
    output,
  }, () => tidyObjects(ctx, name, what.names));
}

async function afterUnhealthy(
  ctx: DeployContext,
  name: string,
  settings: DeploySettings,
): Promise<WentBack> {
  if (!settings.rollback) return { result: "failed", message: "rollback is off: left as is" };
  const restored = await restoreSwarmGood(ctx, name, settings);
  if (restored === "none") {
    // As Compose stops the containers: a broken version is not left restarting.
    await ctx.swarm.remove(name);
    return {
      result: "failed",
      message: "no good version to go back to: removed (docker stack rm)",
    };
  }
  return backOn(restored);
}
