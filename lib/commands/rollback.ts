/**
 * `autostack rollback NAME` (docs/how-it-works.md#commands): put
 * `good_stacks/NAME` back in place with the health gate. The version it
 * replaces is marked bad (unless `mark_bad` is off), so the next `run` does not
 * simply deploy it again. A canary stack's good version comes back as a canary,
 * beside the live copy. Its outcome goes to history and to the `notify` targets
 * like a run's. When the good version is the one running, healthy, there is
 * nothing to go back to: it says so instead of restarting the stack.
 * @module
 */
import {
  appendHistory,
  listReleases,
  markBad,
  promoteRelease,
  readVersion,
  type Release,
  sameVersion,
  type StatePaths,
  statePaths,
  type VersionInfo,
} from "../state/mod.ts";
import type { RollbackCommand } from "../cli.ts";
import { type Config, SETTINGS_DEFAULTS } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import { StackError } from "../errors.ts";
import { labelTarget, makeDeployContext, rollbackStack } from "../deploy/mod.ts";
import { checkHealth } from "../docker/mod.ts";
import { Repo } from "../repo/mod.ts";
import { historyEntry } from "../outcome.ts";
import { beforeRecording } from "./_announce.ts";
import { folderNames } from "./_names.ts";
import { unknownName } from "../names.ts";

/** Runs `rollback NAME`; the caller holds the lock. */
export async function rollbackCommand(
  command: RollbackCommand,
  config: Config,
  deps: Deps,
): Promise<number> {
  const name = command.name;
  const paths = statePaths(config.base_dir);
  const known = await folderNames(paths.runningRoot, paths.goodRoot);
  if (!known.has(name)) throw unknownName("rollback", name, "deployed here", known);
  const current = await readVersion(paths.running(name));
  const chosen = await chooseVersion(paths, name, current, command.to);
  if (chosen !== "good") await promoteRelease(paths, name, chosen.dir);
  const good = await readVersion(paths.good(name));
  if (!good) throw new StackError(name, "no good version to roll back to");
  const ctx = makeDeployContext({
    config,
    paths,
    repo: new Repo(deps.runner, paths.repo, deps.env.GIT_ASKPASS),
    head: { commit: good.commit, tree: good.tree },
    deps,
  });
  if (current && !current.pending && sameVersion(current, good)) {
    // Putting the same version back would only restart it, with downtime.
    const live = labelTarget(ctx, current.project ?? name);
    if ((await checkHealth(ctx.compose, live)).status === "healthy") {
      throw new StackError(
        name,
        `nothing to roll back to: the good version ${good.commit.slice(0, 7)} ` +
          "is the one running, and it is healthy, and no older healthy version is kept " +
          "(keep_releases; or revert the commit in the repo to go back further)",
      );
    }
  }
  const started = deps.now().getTime();
  if (current && !sameVersion(current, good) && config.mark_bad) {
    await markBad(paths.bad, name, {
      tree: current.tree,
      commit: current.commit,
      marked_at: deps.now().toISOString(),
      reason: "rolled back by hand (autostack rollback)",
      ...(current.images === undefined ? {} : { images: current.images }),
    });
  }
  const settings = { ...SETTINGS_DEFAULTS, ...config.defaults };
  // Read before the entry goes in: the stack's last outcome decides what is news.
  const recording = await beforeRecording(config, deps, [name]);
  // As the good version's own method says: beside the live copy for a canary.
  const restored = await rollbackStack(ctx, name, settings);
  if (restored === "none") {
    throw new StackError(name, "no good version to roll back to");
  }
  const entry = historyEntry({
    time: deps.now(),
    stack: name,
    commit: restored.commit,
    tree: restored.tree,
    ms: deps.now().getTime() - started,
    project: restored.project,
  }, {
    result: restored.ok ? "rolled_back" : "failed",
    message: restored.ok
      ? `rolled back by hand to ${restored.commit.slice(0, 7)}: healthy`
      : `rolled back by hand to ${restored.commit.slice(0, 7)}, not healthy: ${restored.message}`,
    services: [],
    method: restored.method,
    project: restored.project,
  });
  await appendHistory(paths.history, entry);
  await recording.announce([entry], [entry], { json: command.json, commit: restored.commit });
  return restored.ok ? 0 : 1;
}

/**
 * Which kept version `rollback` puts back: `--to COMMIT` names one (the good
 * copy or a release); else, when the good version is the one running, the
 * newest release of another version (the one before); else the good version.
 */
async function chooseVersion(
  paths: StatePaths,
  name: string,
  current: VersionInfo | undefined,
  to: string | undefined,
): Promise<"good" | Release> {
  const [good, releases] = await Promise.all([
    readVersion(paths.good(name)),
    listReleases(paths, name),
  ]);
  if (to !== undefined) {
    if (good?.commit.startsWith(to)) return "good";
    const release = releases.find((r) => r.version.commit.startsWith(to));
    if (release) return release;
    const kept = [good, ...releases.map((r) => r.version)].flatMap((v) =>
      v ? [v.commit.slice(0, 7)] : []
    );
    throw new StackError(
      name,
      `no kept version has commit ${to} (kept: ${kept.join(", ") || "none"})`,
      { exitCode: 2 },
    );
  }
  const runsGood = current !== undefined && !current.pending && good !== undefined &&
    sameVersion(good, current);
  const before = releases.find((r) => current === undefined || !sameVersion(r.version, current));
  return runsGood && before !== undefined ? before : "good";
}
