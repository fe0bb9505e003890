/**
 * `autostack run` (docs/how-it-works.md#a-run), the caller holding the lock:
 * prepare the plan, print it for `--dry-run`, else carry it out, then report
 * and notify. Throws when the run cannot start (a failed fetch, bad usage); a
 * stack's failure is an outcome, not an exception.
 * @module
 */
import type { RunCommand } from "../cli.ts";
import type { Config } from "../config/mod.ts";
import {
  checkFiles,
  decryptSecrets,
  type DeployContext,
  doneProgress,
  executePlan,
  makeDeployContext,
  type PlanItem,
  prepareRun,
  takeSwarmLock,
  withCheckedFolder,
} from "../deploy/mod.ts";
import { pool } from "../pool.ts";
import type { RunStart } from "../run_start.ts";
import type { Deps } from "../deps.ts";
import type { HistoryEntry } from "../outcome.ts";
import { statePaths } from "../state/mod.ts";
import { beforeRecording } from "./_announce.ts";
import { formatPlan, planJson } from "./plan_report.ts";

/** The flags of one run. */
export type RunFlags = Pick<RunCommand, "dryRun" | "stacks" | "force" | "json">;

/** What one run did: its exit code and the history entries it wrote. */
export interface RunReport {
  /** 0 all healthy or unchanged, 1 a stack failed or was refused. */
  code: number;
  /** The outcomes written to history this run (none for a dry run). */
  entries: HistoryEntry[];
}

/** A run of `watch`: every stack, no force, text output. */
export const WATCH_RUN: RunFlags = { dryRun: false, stacks: [], force: false, json: false };

/** Whether acting on `item` takes the engine. */
function needsDocker(item: PlanItem): boolean {
  return item.action === "deploy" || item.action === "remove" ||
    (item.action === "skip_bad" && item.restart);
}

/**
 * One run: plan, deploy, report, notify. `started` is its first I/O when the
 * caller started it before loading this module (`app.ts`); else the plan
 * starts it.
 */
export async function runOnce(
  config: Config,
  deps: Deps,
  command: RunFlags,
  started?: RunStart,
): Promise<RunReport> {
  const prepared = await prepareRun(config, deps, {
    force: command.force,
    only: command.stacks,
    changedFiles: command.dryRun,
    started,
    dryRun: command.dryRun,
  });
  for (const error of prepared.errors) deps.err(`autostack: ${error}`);
  if (prepared.errors.length === 0 && !prepared.plan.some((i) => i.stack !== undefined)) {
    // A typo in `folders` would otherwise look exactly like a quiet, healthy host.
    deps.logger.warn(`no stacks found in folders [${config.folders.join(", ")}]`);
  }
  for (const item of prepared.plan) {
    if (command.dryRun || item.action === "deploy") {
      for (const warning of item.warnings ?? []) {
        deps.logger.warn(`stack "${item.name}": ${warning}`);
      }
    }
  }
  const ctx = makeDeployContext({
    config,
    paths: statePaths(config.base_dir),
    repo: prepared.repo,
    head: prepared.head,
    deps,
    swarm: prepared.swarm,
  });
  if (command.dryRun) {
    if (prepared.dockerDown) {
      deps.logger.warn(`${prepared.dockerDown.message}: containers not checked`);
    }
    const plan = await pool(prepared.plan, config.jobs, (item) => previewRefusal(ctx, item));
    for (const item of plan) {
      if (item.action !== "refuse") continue;
      for (const problem of item.problems) deps.err(`autostack: stack "${item.name}": ${problem}`);
    }
    if (command.json) {
      deps.out(planJson(plan, prepared.head, prepared.errors));
    } else {
      for (const line of formatPlan(plan, prepared.head)) deps.out(line);
    }
    const refused = prepared.errors.length > 0 || plan.some((i) => i.action === "refuse");
    return { code: refused ? 1 : 0, entries: [] };
  }
  // Nothing can be deployed, removed or restarted: one line, nothing recorded.
  if (prepared.dockerDown && prepared.plan.some(needsDocker)) throw prepared.dockerDown;
  const acted = prepared.plan.filter((i) => i.action !== "none").map((i) => i.name);
  const recording = await beforeRecording(config, deps, acted);
  const live = command.json ? undefined : doneProgress(deps.isTerminal, deps.err);
  // One run at a time deploys swarm stacks, across every manager of the swarm.
  const swarmLock = await takeSwarmLock(ctx, prepared.plan);
  const run = await executePlan(ctx, prepared.plan, recording.previous, live)
    .catch(async (error) => {
      await swarmLock?.release();
      throw error;
    });
  // The swarm is free once the deploys are done: telling them need not wait for the release.
  const released = swarmLock?.release();
  try {
    await recording.announce(run.entries, run.news, {
      json: command.json,
      commit: prepared.head.commit,
    });
  } finally {
    await released;
  }
  // After what was done is told: the host fault is the run's one line.
  if (run.hostFault) throw run.hostFault;
  const bad = prepared.errors.length > 0 || run.failed;
  return { code: bad ? 1 : 0, entries: run.entries };
}

/**
 * For `--dry-run`: a version the preflight's file checks refuse (they need no
 * daemon and change nothing), or whose secrets do not decrypt, is shown as
 * `refused` instead of deployed.
 */
async function previewRefusal(ctx: DeployContext, item: PlanItem): Promise<PlanItem> {
  if (item.action !== "deploy") return item;
  const secrets = await decryptSecrets(ctx, item);
  const files = secrets.ok
    ? await withCheckedFolder(ctx, item, secrets.files, (dir) => checkFiles(ctx, item, dir))
    : { ok: false, message: `cannot decrypt ${secrets.message}` };
  if (files.ok) return item;
  const { bad: _, files: __, ...rest } = item;
  return {
    ...rest,
    status: "refused",
    action: "refuse",
    why: files.message,
    problems: [files.message],
  };
}
