/**
 * `autostack run` (docs/how-it-works.md#a-run), the caller holding the lock:
 * prepare the plan, print it for `--dry-run`, else carry it out, then report
 * and notify. Throws when the run cannot start (a failed fetch, bad usage); a
 * stack's failure is an outcome, not an exception.
 * @module
 */
import type { RunCommand } from "../cli.ts";
import type { Config } from "../config/mod.ts";
import { executePlan, makeDeployContext, prepareRun } from "../deploy/mod.ts";
import type { Deps } from "../deps.ts";
import { FAILURES, type HistoryEntry } from "../outcome.ts";
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

/** One run: plan, deploy, report, notify. */
export async function runOnce(
  config: Config,
  deps: Deps,
  command: RunFlags,
): Promise<RunReport> {
  const prepared = await prepareRun(config, deps, {
    force: command.force,
    only: command.stacks,
    changedFiles: command.dryRun,
  });
  for (const error of prepared.errors) deps.err(`autostack: ${error}`);
  for (const item of prepared.plan) {
    if (item.action === "none") {
      for (const problem of item.problems ?? []) {
        deps.err(`autostack: stack "${item.name}": ${problem}`);
      }
    }
    if (command.dryRun || item.action === "deploy") {
      for (const warning of item.warnings ?? []) {
        deps.logger.warn(`stack "${item.name}": ${warning}`);
      }
    }
  }
  const refused = prepared.errors.length > 0 || prepared.plan.some((i) => i.status === "error");
  if (command.dryRun) {
    if (command.json) {
      deps.out(JSON.stringify(planJson(prepared.plan, prepared.head, prepared.errors), null, 2));
    } else {
      for (const line of formatPlan(prepared.plan, prepared.head)) deps.out(line);
    }
    return { code: refused ? 1 : 0, entries: [] };
  }
  const acted = prepared.plan.filter((i) => i.action !== "none").map((i) => i.name);
  const announce = await beforeRecording(config, deps, acted);
  const ctx = makeDeployContext({
    config,
    paths: statePaths(config.base_dir),
    repo: prepared.repo,
    head: prepared.head,
    deps,
  });
  const entries = await executePlan(ctx, prepared.plan);
  await announce(entries, {
    json: command.json,
    commit: prepared.head.commit,
    failuresOnStderr: true,
  });
  const bad = entries.some((e) => FAILURES.has(e.result)) ||
    prepared.plan.some((i) => i.action === "skip_bad");
  return { code: refused || bad ? 1 : 0, entries };
}
