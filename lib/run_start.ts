/**
 * The first I/O of a run (docs/how-it-works.md#deploy-steps, step 4): the
 * clone's sync, and meanwhile what is deployed, marked bad and running. It
 * lives apart from the deploy machinery so that `app.ts` can start it before
 * that machinery is loaded: `git fetch` is the longest wait before a plan, and
 * the rest of the program (about half of autostack's modules, ~40 ms) loads
 * while it runs, once git's processes have started ({@link RunStart.underway}).
 * @module
 */
import type { Config } from "./config/mod.ts";
import type { Deps } from "./deps.ts";
import { engineOf, listProjects, type ProjectSummary, Swarm } from "./docker/mod.ts";
import { type Head, type Repo, syncRepo, type TreeEntry } from "./repo/mod.ts";
import { type BadMark, readBad, readDeployed, statePaths, type VersionInfo } from "./state/mod.ts";
import { ConfigError, DockerDownError, errorMessage } from "./errors.ts";
import { parseDuration } from "./duration.ts";

/** A started run: the promises of its first I/O, and the {@link Swarm} the run asks. */
export interface RunStart {
  /** The run's swarm: its one list of stacks is asked once and reused by the deploys. */
  swarm: Swarm;
  /** The clone at the tip of the deployed branch, with every entry of its tree. */
  synced: Promise<{ repo: Repo; head: Head; entries: TreeEntry[] }>;
  /**
   * Settles once git is at work (the clean has ended, the fetch goes on) or the
   * sync has ended: work started then takes no CPU from starting git's processes.
   */
  underway: Promise<void>;
  /**
   * What is deployed and marked bad, and the host's compose projects (a
   * {@link DockerDownError} when Docker does not answer; `undefined` when the
   * list failed otherwise, which was logged).
   */
  local: Promise<
    [
      Map<string, VersionInfo | undefined>,
      Record<string, BadMark>,
      Map<string, ProjectSummary> | DockerDownError | undefined,
    ]
  >;
}

/**
 * Starts a run's first I/O; the caller holds the run lock. Throws at once
 * (a {@link ConfigError}) when `AUTOSTACK_GIT_TIMEOUT` is not a duration.
 */
export function startRun(config: Config, deps: Deps): RunStart {
  const paths = statePaths(config.base_dir);
  // Git first: the fetch is the longest wait before the plan. dax spawns a process a few
  // awaits after it is asked to, so CPU work started meanwhile would hold up git's start:
  // that waits until git is at work (or the sync is over, so that nothing waits forever).
  let underway!: () => void;
  const working = new Promise<void>((resolve) => underway = resolve);
  const synced = syncRepo({
    runner: deps.runner,
    dir: paths.repo,
    url: config.repo,
    branch: config.branch,
    log: (m) => deps.logger.info(m),
    askpass: deps.env.GIT_ASKPASS,
    remoteTimeoutMs: gitTimeout(deps.env),
    underway,
  });
  synced.then(underway, underway);
  // What is deployed, marked bad and running does not depend on the fetch: ask meanwhile,
  // the engine once git is at work (a first request costs ~20 ms of set-up in Deno).
  const local = Promise.all([
    readDeployed(paths),
    readBad(paths.bad),
    working.then(() => askProjects(deps, config)),
  ]);
  const swarm = new Swarm(deps.runner, deps.engine);
  // Swarm by default: the swarm's stacks will be asked for, so ask meanwhile too.
  if (config.defaults.mode === "swarm") working.then(() => askStacks(swarm));
  // Awaited by the plan; one that fails while the other is awaited must not go unhandled.
  synced.catch(() => {});
  local.catch(() => {});
  return { swarm, synced, underway: working, local };
}

/** The swarm's stacks, when this engine is a manager that answers (else none are known). */
export async function askStacks(swarm: Swarm): Promise<Map<string, number>> {
  try {
    return await swarm.stacks() ?? new Map(); // not a manager: each swarm stack's deploy says so
  } catch {
    return new Map(); // the deploys ask again, and say why
  }
}

/** `AUTOSTACK_GIT_TIMEOUT`: how long a clone or fetch may take (docs/how-it-works.md#discovery). */
function gitTimeout(env: Record<string, string | undefined>): number | undefined {
  const raw = env.AUTOSTACK_GIT_TIMEOUT;
  if (raw === undefined || raw === "") return undefined;
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0) {
    throw new ConfigError(
      `AUTOSTACK_GIT_TIMEOUT: must be a positive duration such as 90s, 5m or 1h: "${raw}"`,
    );
  }
  return ms;
}

async function askProjects(
  deps: Deps,
  config: Config,
): Promise<Map<string, ProjectSummary> | DockerDownError | undefined> {
  try {
    return await listProjects(deps.runner, deps.engine, engineOf(config.compose));
  } catch (error) {
    if (error instanceof DockerDownError) return error;
    deps.logger.warn(
      `cannot list containers (${errorMessage(error)}): missing containers not checked`,
    );
    return undefined;
  }
}
