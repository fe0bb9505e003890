/**
 * The `simple` and `blind` deploy of one stack
 * (docs/how-it-works.md#deploy-steps): note the old version's health and stop
 * it (only when a `pre_deploy` runs before the `down`, see {@link
 * stopsBeforeDown}) → `pre_deploy` → save the good copy → `down` (and a
 * swarm stack of the name: `docker stack rm`) → clear → copy
 * + `version.txt` (pending) → `up` by method → health gate (healthy: the new
 * good copy; not: rollback, then the bad mark) → `post_deploy`. `version.txt`
 * stays "pending" until the outcome is reached, so a run killed anywhere leaves
 * a stack the next run deploys again.
 * @module
 */
import { join } from "node:path";
import { readVersion, saveGood, writeVersion } from "../state/mod.ts";
import { evaluateHealth } from "../docker/mod.ts";
import { copyStack } from "../repo/mod.ts";
import { type PlainFile, writePlainFiles } from "../secrets/mod.ts";
import { type Gate, upAndCheck } from "./gate.ts";
import { backOn, finishHealthy, settleUnhealthy, type WentBack } from "./settle.ts";
import { checkpoint, type DeployContext } from "./context.ts";
import { filesTarget, labelTarget } from "./targets.ts";
import type { DeployItem } from "./plan.ts";
import { clearVersions } from "./clear.ts";
import { copySettings, type Restored, restoreGood } from "./restore.ts";
import { leaveSwarm, restoreSwarmGood } from "./swarm/mod.ts";
import type { ComposeTarget } from "../docker/mod.ts";
import { holdBack, hookEnv, hookFailure, runHook } from "./hooks.ts";
import { DockerDownError, errorMessage, HostError, hostFault } from "../errors.ts";
import type { DeploySettings } from "../config/mod.ts";
import type { Outcome } from "../outcome.ts";

/**
 * Deploys the repo's version of `item` with `blind` or `simple`: the old
 * version goes down, the new one comes up and (`simple`) must turn healthy,
 * else the good version comes back. `note` ends the outcome's message (the
 * canary says there why it fell back to these steps); `services`, when the
 * preflight read them, spares the gate asking compose again; `secrets` are the
 * version's decrypted files, written into its copy. Throws only on Docker or
 * file errors, which the caller turns into a `failed` outcome.
 */
export async function deploySimple(
  ctx: DeployContext,
  item: DeployItem,
  method: "blind" | "simple",
  note = "",
  services?: string[],
  secrets: readonly PlainFile[] = [],
): Promise<Outcome> {
  const outcome = await simpleSteps(ctx, item, method, services, secrets);
  return { ...outcome, message: `${outcome.message}${note}` };
}

async function simpleSteps(
  ctx: DeployContext,
  item: DeployItem,
  method: "blind" | "simple",
  services: string[] | undefined,
  secrets: readonly PlainFile[],
): Promise<Outcome> {
  const { name, stack, settings } = item;
  const { paths, compose } = ctx;
  const running = paths.running(name);
  // The old version may be live under the canary's second project name.
  const old = labelTarget(ctx, item.deployed?.project ?? name);
  const oldVersion = item.deployed ?? await readVersion(running);
  // One look answers both: is an old version there, and is it healthy?
  const oldContainers = await compose.containers(old.project);
  const hasOld = oldContainers.length > 0;
  const oldHealthy = hasOld && oldVersion !== undefined && !oldVersion.pending &&
    evaluateHealth([], oldContainers).status === "healthy";
  if (hasOld && stopsBeforeDown(settings)) await compose.stop(old);
  checkpoint(ctx, name, "after_stop");

  const scriptEnv = hookEnv(ctx, name, stack.tree, oldVersion?.commit);
  const repoDir = join(paths.repo, stack.path);
  let output = "";
  if (settings.pre_deploy) {
    const pre = await runHook(
      ctx,
      "pre_deploy",
      settings.pre_deploy,
      settings,
      repoDir,
      scriptEnv,
    );
    output = pre.tail;
    if (!pre.ok) {
      if (hasOld) await compose.start(old).catch(() => {});
      const after = hasOld ? "the old version was started again" : "nothing was started";
      return await holdBack(ctx, item, hookFailure("pre_deploy", pre, method, after));
    }
  }

  if (oldHealthy) await saveGood(paths, name, ctx.config.keep_releases);
  if (hasOld) await compose.down(old);
  // A stack switched back from `mode: swarm` (docs/swarm.md#back-to-compose): its swarm stack
  // goes here, where a Compose version goes down, so a failed `pre_deploy` leaves it running.
  const leftSwarm = await leaveSwarm(ctx, item);
  const noted = (o: Outcome): Outcome =>
    leftSwarm ? { ...o, message: `${o.message} (its swarm stack was removed first)` } : o;
  checkpoint(ctx, name, "after_down");

  const pins = item.images === undefined ? {} : { images: item.images };
  const version = { commit: ctx.head.commit, tree: stack.tree, pending: true, ...pins };
  try {
    await clearVersions(ctx, name, [oldVersion?.tree, stack.tree]);
    checkpoint(ctx, name, "after_clear");
    await copyStack(paths.repo, stack, running);
    await writePlainFiles(running, secrets);
    await writeVersion(running, { ...version, startedAt: ctx.deps.now().toISOString() });
  } catch (error) {
    // The old version is down: a full disk must not leave the stack down too.
    const back = oldHealthy ? `; ${await putGoodBack(ctx, item, error)}` : "";
    const host = hostFault(error);
    if (host) throw new HostError(`${host.message}${back}`, { cause: error });
    throw new Error(`${errorMessage(error)}${back}`, { cause: error });
  }
  checkpoint(ctx, name, "after_copy");

  const target = await filesTarget(ctx, name, running, settings);
  const gate = await upAndCheck(ctx, target, settings, method, services);
  if (!gate.ok) return noted(await onUnhealthy(ctx, item, method, gate));
  return noted(
    await finishHealthy(ctx, item, {
      version,
      method,
      named: method,
      blindWords: "started (blind: no health check)",
      hooks: { dir: repoDir, env: scriptEnv },
      output,
    }),
  );
}

/**
 * Whether the old version is stopped on its own before it is taken down. The
 * deploy steps stop it, run `pre_deploy`, then take it down; without a `pre_deploy`
 * nothing happens in between and `down` stops the containers itself, so a
 * separate `stop` would only add a compose call (~0.3 s) to the downtime.
 */
export function stopsBeforeDown(settings: Pick<DeploySettings, "pre_deploy">): boolean {
  return settings.pre_deploy !== undefined;
}

/** A version that failed its gate: the good copy comes back, then the bad mark. */
function onUnhealthy(ctx: DeployContext, item: DeployItem, method: string, gate: Gate) {
  return settleUnhealthy(
    ctx,
    item,
    gate,
    method,
    () => afterUnhealthy(ctx, item.name, item.settings),
  );
}

/**
 * After a failure between taking the old version down and starting the new
 * one (a full disk while copying), brings the good version back and says how
 * that went; the caller still reports what went wrong. A daemon that is gone
 * cannot be asked.
 */
async function putGoodBack(ctx: DeployContext, item: DeployItem, cause: unknown): Promise<string> {
  if (cause instanceof DockerDownError) return "the good version could not be started";
  try {
    // What was copied of the new version goes first: on a full disk, that is the room.
    await clearVersions(ctx, item.name, [item.stack.tree]);
    const restored = await restoreGood(ctx, item.name, item.settings);
    if (restored === "none") return "no good version to start again";
    const commit = restored.commit.slice(0, 7);
    return restored.ok
      ? `the good version ${commit} was started again: healthy`
      : `the good version ${commit} was started again, not healthy: ${restored.message}`;
  } catch (error) {
    return `the good version could not be started again: ${errorMessage(error)}`;
  }
}

/** What happens to a version that failed its gate: left, stopped, or replaced by the good one. */
async function afterUnhealthy(
  ctx: DeployContext,
  name: string,
  settings: DeploySettings,
): Promise<WentBack> {
  if (!settings.rollback) return { result: "failed", message: "rollback is off: left as is" };
  const target = await filesTarget(ctx, name, ctx.paths.running(name), settings);
  const { restored, swarm } = await restoreGoodCopy(ctx, name, settings, target);
  if (restored === "none") {
    await ctx.compose.stop(labelTarget(ctx, name)).catch(() => {});
    return { result: "failed", message: "no good version to go back to: stopped" };
  }
  // A Compose good copy that fails too is stopped; a swarm one is left as Swarm runs it.
  return swarm ? backOn(restored, " (on the swarm)") : backOn(restored, "", ": stopped");
}

/**
 * The good copy goes back the way its own settings say: a `mode: swarm` one
 * (the stack was just switched back to Compose, docs/swarm.md#back-to-compose)
 * with `docker stack deploy`, once the failed project is down; else with Compose.
 */
async function restoreGoodCopy(
  ctx: DeployContext,
  name: string,
  settings: DeploySettings,
  target: ComposeTarget,
): Promise<{ restored: Restored; swarm: boolean }> {
  const good = await readVersion(ctx.paths.good(name));
  const own = good && await copySettings(ctx, name, ctx.paths.good(name), undefined);
  if (own?.mode !== "swarm") {
    return { restored: await restoreGood(ctx, name, settings, target), swarm: false };
  }
  await ctx.compose.down(target);
  return { restored: await restoreSwarmGood(ctx, name, own), swarm: true };
}
