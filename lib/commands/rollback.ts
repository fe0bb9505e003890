/**
 * `autostack rollback NAME` (SPEC 9): put `good_stacks/NAME` back in place
 * with the health gate. The version it replaces is marked bad (unless
 * `mark_bad` is off), so the next `run` does not simply deploy it again. A
 * canary stack's good version comes back as a canary, beside the live copy.
 * Its outcome goes to history and to the `notify` targets like a run's. When
 * the good version is the one running, healthy, there is nothing to go back
 * to: it says so instead of restarting the stack.
 * @module
 */
import { markBad } from "../state/bad.ts";
import type { RollbackCommand } from "../cli.ts";
import type { Config } from "../config/config.ts";
import type { Deps } from "../deps.ts";
import { AutostackError } from "../errors.ts";
import { labelTarget } from "../deploy/context.ts";
import { makeEngine } from "../deploy/execute.ts";
import { checkHealth } from "../docker/health.ts";
import { Repo } from "../repo/git.ts";
import { appendHistory, type HistoryEntry } from "../state/history.ts";
import { notifyOutcomes, previousOutcomes } from "../notify/notifier.ts";
import { reportOutcomes } from "./outcome_report.ts";
import { rollbackStack } from "../deploy/canary/canary.ts";
import { SETTINGS_DEFAULTS } from "../config/settings.ts";
import { readVersion, statePaths } from "../state/state.ts";

/** Runs `rollback NAME`; the caller holds the lock. */
export async function rollbackCommand(
  command: RollbackCommand,
  config: Config,
  deps: Deps,
): Promise<number> {
  const name = command.name;
  const paths = statePaths(config.base_dir);
  const good = await readVersion(paths.good(name));
  if (!good) throw new AutostackError(`stack "${name}": no good version to roll back to`);
  const current = await readVersion(paths.running(name));
  const engine = makeEngine({
    config,
    paths,
    repo: new Repo(deps.runner, paths.repo, deps.env.GIT_ASKPASS),
    head: { commit: good.commit, tree: good.tree },
    deps,
  });
  if (current && !current.pending && current.tree === good.tree) {
    // Putting the same version back would only restart it, with downtime.
    const live = labelTarget(engine, current.project ?? name);
    if ((await checkHealth(engine.compose, live)).status === "healthy") {
      throw new AutostackError(
        `stack "${name}": nothing to roll back to: the good version ${good.commit.slice(0, 7)} ` +
          "is the one running, and it is healthy (revert the commit in the repo to go back further)",
      );
    }
  }
  const started = deps.now().getTime();
  if (current && current.tree !== good.tree && config.mark_bad) {
    await markBad(paths.bad, name, {
      tree: current.tree,
      commit: current.commit,
      marked_at: deps.now().toISOString(),
      reason: "rolled back by hand (autostack rollback)",
    });
  }
  const settings = { ...SETTINGS_DEFAULTS, ...config.defaults };
  // As the good version's own method says: beside the live copy for a canary.
  const restored = await rollbackStack(engine, name, settings);
  if (restored === "none") {
    throw new AutostackError(`stack "${name}": no good version to roll back to`);
  }
  const entry: HistoryEntry = {
    time: deps.now().toISOString(),
    stack: name,
    commit: restored.commit,
    tree: restored.tree,
    method: restored.method,
    result: restored.ok ? "rolled_back" : "failed",
    duration_ms: deps.now().getTime() - started,
    message: restored.ok
      ? `rolled back by hand to ${restored.commit.slice(0, 7)}: healthy`
      : `rolled back by hand to ${restored.commit.slice(0, 7)}, not healthy: ${restored.message}`,
    services: [],
    project: restored.project,
  };
  // Read before the entry goes in: the stack's last outcome decides what is news (SPEC 8).
  const previous = await previousOutcomes(config, paths.history, [name]);
  await appendHistory(paths.history, entry);
  reportOutcomes([entry], command.json, restored.commit, { out: deps.out, err: () => {} });
  await notifyOutcomes(config, deps, [entry], previous);
  return restored.ok ? 0 : 1;
}
