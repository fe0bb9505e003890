/**
 * The deploy of one stack, in the order of SPEC 5: note the old version's
 * health and stop it (only when a `pre_deploy` runs before the `down`, see
 * {@link stopsBeforeDown}) → `pre_deploy` → save the good copy → `down` → clear →
 * copy + `version.txt` (pending) → `up` by method → health gate (healthy: the
 * new good copy; not: rollback, then the bad mark) → `post_deploy`.
 * `version.txt` stays "pending" until the outcome is reached, so a run killed
 * anywhere leaves a stack the next run deploys again.
 * @module
 */
import { join } from "node:path";
import { clearBad } from "../state/bad.ts";
import { evaluateHealth, type ServiceFault } from "../docker/health.ts";
import { type Gate, upAndCheck } from "./gate.ts";
import {
  changeBad,
  checkpoint,
  type Engine,
  filesTarget,
  labelTarget,
  markVersionBad,
  saveGood,
} from "./context.ts";
import { errorMessage } from "../errors.ts";
import { deployCanary, needsCanary } from "./canary/canary.ts";
import type { Result } from "../state/history.ts";
import type { PlanItem } from "./plan.ts";
import { restoreGood } from "./restore.ts";
import { hookEnv, hookFailure, runHook } from "./hooks.ts";
import type { DeploySettings } from "../config/settings.ts";
import { clearRunning, installFiles, readVersion, writeVersion } from "../state/state.ts";

/** How a stack's deploy ended, before it becomes a history entry. */
export interface Outcome {
  /** The result of SPEC 8. */
  result: Result;
  /** One line for people: what happened and why. */
  message: string;
  /** Services at fault, with their state and last probe output. */
  services: ServiceFault[];
  /** The method used. */
  method: string;
  /** Script output tails, when a script ran. */
  output?: string;
  /** The compose project live afterwards, when it may not be the stack name (canary). */
  project?: string;
}

/** Deploys the repo's version of a planned stack; never throws for a stack's own failure. */
export async function deployStack(engine: Engine, item: PlanItem): Promise<Outcome> {
  const settings = item.settings!;
  const method = settings.method === "canary" ? "simple" : settings.method;
  // The canary falls back on these steps, with a note saying why.
  const steps = async (note = "") => {
    const outcome = await deploySteps(engine, item, settings, method);
    return { ...outcome, message: `${outcome.message}${note}` };
  };
  try {
    return await needsCanary(engine, item)
      ? await deployCanary(engine, item, steps)
      : await steps();
  } catch (error) {
    // Docker or file errors end this stack's deploy, not the run.
    return { result: "failed", message: errorMessage(error), services: [], method };
  }
}

async function deploySteps(
  engine: Engine,
  item: PlanItem,
  settings: DeploySettings,
  method: "blind" | "simple",
): Promise<Omit<Outcome, "method"> & { method: string }> {
  const name = item.name;
  const stack = item.stack!;
  const { paths, compose } = engine;
  const running = paths.running(name);
  // The old version may be live under the canary's second project name.
  const old = labelTarget(engine, item.deployed?.project ?? name);
  const oldVersion = item.deployed ?? await readVersion(running);
  // One look answers both: is an old version there, and is it healthy?
  const oldContainers = await compose.containers(old.project);
  const hasOld = oldContainers.length > 0;
  const oldHealthy = hasOld && oldVersion !== undefined && !oldVersion.pending &&
    evaluateHealth([], oldContainers).status === "healthy";
  if (hasOld && stopsBeforeDown(settings)) await compose.stop(old);
  checkpoint(engine, name, "after_stop");

  const scriptEnv = hookEnv(engine, name, stack.tree, oldVersion?.commit);
  const repoDir = join(paths.repo, stack.path);
  let output = "";
  if (settings.pre_deploy) {
    const pre = await runHook(
      engine,
      "pre_deploy",
      settings.pre_deploy,
      settings,
      repoDir,
      scriptEnv,
    );
    output = pre.tail;
    if (!pre.ok) {
      if (hasOld) await compose.start(old).catch(() => {});
      return hookFailure("pre_deploy", pre, method, "the old version was started again");
    }
  }

  // The file lists come from git, not Docker: ask while the old version goes down.
  const shipped = shippedFiles(engine, oldVersion?.tree, stack.tree);
  if (oldHealthy) await saveGood(paths, name);
  if (hasOld) await compose.down(old);
  checkpoint(engine, name, "after_down");

  await clearRunning(running, await shipped, join(paths.orphans(name), stamp(engine)));
  checkpoint(engine, name, "after_clear");
  await installFiles(repoDir, running);
  const version = { commit: engine.head.commit, tree: stack.tree, pending: true };
  await writeVersion(running, { ...version, startedAt: engine.deps.now().toISOString() });
  checkpoint(engine, name, "after_copy");

  const target = await filesTarget(engine, name, running, settings);
  const gate = await upAndCheck(engine, target, settings, method);
  if (!gate.ok) return await onUnhealthy(engine, item, settings, method, gate);
  await writeVersion(running, { ...version, pending: false });
  // Seen healthy: this is now the version to go back to, even if a later run
  // is killed before its step 5 could copy it (blind saw nothing, so it waits).
  if (method === "simple") await saveGood(paths, name);
  // A version marked bad that was forced (--force) and deployed is bad no more:
  // kept, its mark would report the running version as skipped on every run.
  const lifted = item.bad !== undefined &&
    await changeBad(engine, () => clearBad(paths.bad, name));

  const message = (method === "blind" ? "started (blind: no health check)" : "healthy") +
    (lifted ? "; its bad mark was lifted" : "");
  if (settings.post_deploy) {
    const post = await runHook(
      engine,
      "post_deploy",
      settings.post_deploy,
      settings,
      repoDir,
      scriptEnv,
    );
    output = [output, post.tail].filter((t) => t !== "").join("\n");
    if (!post.ok) {
      return hookFailure("post_deploy", post, method, `the new version is ${message}`);
    }
  }
  return { result: "deployed", message, services: [], method, output: output || undefined };
}

/**
 * Whether the old version is stopped on its own before it is taken down. SPEC
 * 5 stops it, runs `pre_deploy`, then takes it down; without a `pre_deploy`
 * nothing happens in between and `down` stops the containers itself, so a
 * separate `stop` would only add a compose call (~0.3 s) to the downtime.
 */
export function stopsBeforeDown(settings: Pick<DeploySettings, "pre_deploy">): boolean {
  return settings.pre_deploy !== undefined;
}

/** The files the old and the new version ship (what clearing may delete), from git in parallel. */
async function shippedFiles(
  engine: Engine,
  oldTree: string | undefined,
  newTree: string,
): Promise<Set<string>> {
  const lists = await Promise.all([
    oldTree === undefined ? undefined : engine.repo.filesOf(oldTree),
    engine.repo.filesOf(newTree),
  ]);
  return new Set(lists.flatMap((files) => files ?? []));
}

async function onUnhealthy(
  engine: Engine,
  item: PlanItem,
  settings: DeploySettings,
  method: string,
  gate: Gate,
): Promise<Outcome> {
  const name = item.name;
  const markOn = settings.mark_bad ?? engine.config.mark_bad;
  const marked = markOn ? "; version marked bad" : "";
  try {
    const after = await afterUnhealthy(engine, name, settings);
    return {
      result: after.result,
      message: `${gate.message}${marked}; ${after.message}`,
      services: gate.services,
      method,
    };
  } finally {
    // Marked once the rollback is over, not before: a run killed during the
    // rollback reached no outcome, so the next run must try this version again
    // and roll back again; marked, it would be skipped with the stack half-restored.
    if (markOn) await markVersionBad(engine, name, item.stack!.tree, gate.message);
  }
}

/** What happens to a version that failed its gate: left, stopped, or replaced by the good one. */
async function afterUnhealthy(
  engine: Engine,
  name: string,
  settings: DeploySettings,
): Promise<{ result: "failed" | "rolled_back"; message: string }> {
  if (!settings.rollback) return { result: "failed", message: "rollback is off: left as is" };
  const target = await filesTarget(engine, name, engine.paths.running(name), settings);
  const restored = await restoreGood(engine, name, settings, target);
  if (restored === "none") {
    await engine.compose.stop(labelTarget(engine, name)).catch(() => {});
    return { result: "failed", message: "no good version to go back to: stopped" };
  }
  if (restored.ok) {
    return { result: "rolled_back", message: `back on ${restored.commit.slice(0, 7)}` };
  }
  const commit = restored.commit.slice(0, 7);
  return {
    result: "failed",
    message: `the good version ${commit} is not healthy either (${restored.message}): stopped`,
  };
}

function stamp(engine: Engine): string {
  return engine.deps.now().toISOString().replace(/[:.]/g, "-");
}
