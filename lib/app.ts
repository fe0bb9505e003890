/**
 * The commands, wired: parse argv, load the config, take the lock, call the
 * command and turn its outcome into an exit code. Expected failures are thrown
 * as {@link AutostackError}s; `main.ts` prints them as one line and exits.
 * @module
 */
import { type Command, HELP, parseCommand, type RunCommand } from "./cli.ts";
import type { HistoryEntry } from "./state/history.ts";
import { notifyOutcomes, previousOutcomes } from "./notify/notifier.ts";
import { type Config, configPath, loadConfig } from "./config/config.ts";
import type { Deps } from "./deps.ts";
import { acquireLock } from "./state/lock.ts";
import { formatPlan, planJson } from "./commands/plan_report.ts";
import { executePlan, makeEngine } from "./deploy/execute.ts";
import { FAILURES, reportOutcomes } from "./commands/outcome_report.ts";
import { badCommand, historyCommand } from "./commands/history.ts";
import { rollbackCommand } from "./commands/rollback.ts";
import { prepareRun } from "./deploy/prepare.ts";
import { formatStatus, gatherStatus } from "./commands/status.ts";
import { statePaths } from "./state/state.ts";
import { validateCommand } from "./validate/validate.ts";

/** The program's version, printed by `autostack --version`. */
export const VERSION = "0.1.0";

/** Runs one command line to its exit code. */
export async function main(argv: readonly string[], deps: Deps): Promise<number> {
  const command = parseCommand(argv);
  switch (command.kind) {
    case "help":
      deps.out(HELP);
      return 0;
    case "version":
      deps.out(`autostack ${VERSION}`);
      return 0;
    case "validate":
      // A CI checkout has no host config: validate reads one only when --config names it.
      return await validateCommand(command, deps);
    default:
      return await withConfig(command, deps);
  }
}

async function withConfig(
  command: Exclude<Command, { kind: "help" | "version" | "validate" }>,
  deps: Deps,
) {
  const config = await loadConfig(configPath(command.config, deps.env, deps.cwd), deps.env, {
    hostname: deps.hostname,
  });
  for (const warning of config.warnings) deps.logger.warn(warning);
  switch (command.kind) {
    case "run":
      return await locked(config, deps, async () => (await runOnce(config, deps, command)).code);
    case "watch": {
      const watched = {
        ...config,
        interval: command.interval ?? config.interval,
        listen: command.listen ?? config.listen,
      };
      // Loaded on demand: its metrics library costs every cron `run` ~20 ms of start-up.
      const { watchCommand } = await import("./watch/watch.ts");
      // Each run takes the lock itself: a manual `run` may go in between.
      return await watchCommand(
        watched,
        deps,
        () => locked(watched, deps, () => runOnce(watched, deps, WATCH_RUN)),
      );
    }
    case "status": {
      const stacks = await gatherStatus(config, deps);
      if (command.json) deps.out(JSON.stringify(stacks, null, 2));
      else if (stacks.length === 0) deps.out("no stacks deployed yet");
      else for (const line of formatStatus(stacks)) deps.out(line);
      return 0;
    }
    case "history":
      return await historyCommand(command, config, deps);
    case "bad":
      if (command.action === "list") return await badCommand(command, config, deps);
      return await locked(config, deps, () => badCommand(command, config, deps));
    case "rollback":
      return await locked(config, deps, () => rollbackCommand(command, config, deps));
  }
}

/** Runs `fn` while holding the run lock of `base_dir`. */
async function locked<T>(config: Config, deps: Deps, fn: () => Promise<T>): Promise<T> {
  await Deno.mkdir(config.base_dir, { recursive: true });
  const lock = await acquireLock(statePaths(config.base_dir).lock, {
    pid: deps.pid,
    hostname: deps.hostname,
    now: deps.now,
    logger: deps.logger,
  });
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/** The flags of one run. */
export type RunFlags = Pick<RunCommand, "dryRun" | "stacks" | "force" | "json">;

/** What one run did: its exit code and the history entries it wrote. */
export interface RunReport {
  /** 0 all healthy or unchanged, 1 a stack failed or was refused (SPEC 5). */
  code: number;
  /** The outcomes written to history this run (none for a dry run). */
  entries: HistoryEntry[];
}

/** A run of `watch`: every stack, no force, text output. */
const WATCH_RUN: RunFlags = { dryRun: false, stacks: [], force: false, json: false };

/**
 * One run (the caller holds the lock): plan, deploy, report, notify. Throws
 * when the run cannot start (a failed fetch, bad usage); a stack's failure is
 * an outcome, not an exception.
 */
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
    for (const problem of item.problems ?? []) {
      deps.err(`autostack: stack "${item.name}": ${problem}`);
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
  const paths = statePaths(config.base_dir);
  // Read before the run: what each stack's last outcome was decides what is news.
  const acted = prepared.plan.filter((i) => i.action !== "none").map((i) => i.name);
  const previous = await previousOutcomes(config, paths.history, acted);
  const engine = makeEngine({
    config,
    paths,
    repo: prepared.repo,
    head: prepared.head,
    deps,
  });
  const entries = await executePlan(engine, prepared.plan);
  reportOutcomes(entries, command.json, prepared.head.commit, deps);
  await notifyOutcomes(config, deps, entries, previous);
  const bad = entries.some((e) => FAILURES.has(e.result)) ||
    prepared.plan.some((i) => i.action === "skip_bad");
  return { code: refused || bad ? 1 : 0, entries };
}
