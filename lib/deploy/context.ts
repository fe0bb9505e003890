/**
 * What a stack's deploy needs from the run: the config, the state paths, the
 * clone, the commit, compose, and the outside world. Also the small shared
 * steps (targets, the good copy, bad.json changes, test checkpoints) the
 * deploy and the rollback both use.
 * @module
 */
import { join } from "node:path";
import { markBad } from "../state/bad.ts";
import type { Config } from "../config/config.ts";
import type { Compose, ComposeTarget } from "../docker/compose.ts";
import type { Deps } from "../deps.ts";
import { COMPOSE_FILES } from "../repo/discover.ts";
import { copyDir } from "../fsutil.ts";
import type { Head, Repo } from "../repo/git.ts";
import type { DeploySettings } from "../config/settings.ts";
import type { StatePaths } from "../state/state.ts";

/** Everything one stack's deploy works with. */
export interface Engine {
  /** The checked config. */
  config: Config;
  /** The state folders. */
  paths: StatePaths;
  /** The clone. */
  repo: Repo;
  /** The commit being deployed. */
  head: Head;
  /** Compose, through the run's runner. */
  compose: Compose;
  /** The outside world. */
  deps: Deps;
  /** Serialises bad.json changes of this run (see {@link changeBad}). */
  badQueue: Queue;
}

/** Runs async tasks one after the other, in the order they were queued. */
export class Queue {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` once every task queued before it has ended (failed ones included). */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => {});
    return result;
  }
}

/**
 * Changes bad.json (mark, lift) one change at a time: each change reads the
 * file, edits it and writes it back, so two stacks deploying in parallel
 * (`jobs` > 1) that both failed would otherwise keep only one of their marks.
 */
export function changeBad<T>(engine: Engine, change: () => Promise<T>): Promise<T> {
  return engine.badQueue.run(change);
}

/** Marks version `tree` of stack `name`, at this run's commit, bad for `reason` (queued). */
export function markVersionBad(
  engine: Engine,
  name: string,
  tree: string,
  reason: string,
): Promise<void> {
  return changeBad(engine, () =>
    markBad(engine.paths.bad, name, {
      tree,
      commit: engine.head.commit,
      marked_at: engine.deps.now().toISOString(),
      reason,
    }));
}

/** A compose target that needs no files: `ps`, `stop`, `start`, `down` work by project label. */
export function labelTarget(engine: Engine, project: string): ComposeTarget {
  return { command: engine.config.compose, project };
}

/** The compose target of the files in `dir` (a running or good copy). */
export async function filesTarget(
  engine: Engine,
  project: string,
  dir: string,
  settings: Pick<DeploySettings, "compose_files">,
): Promise<ComposeTarget> {
  const main = await findComposeFile(dir);
  const files = [join(dir, main), ...settings.compose_files.map((f) => join(dir, f))];
  return { command: engine.config.compose, project, dir, files };
}

/** The first compose file present in `dir`, in the spec's order. */
export async function findComposeFile(dir: string): Promise<string> {
  for (const name of COMPOSE_FILES) {
    try {
      await Deno.stat(join(dir, name));
      return name;
    } catch {
      // try the next name
    }
  }
  return COMPOSE_FILES[0];
}

/** Replaces `good_stacks/NAME` with a copy of `running_stacks/NAME` (copy aside, then swap). */
export async function saveGood(paths: StatePaths, name: string): Promise<void> {
  const good = paths.good(name);
  const temp = `${good}.tmp`;
  await Deno.remove(temp, { recursive: true }).catch(() => {});
  await copyDir(paths.running(name), temp);
  await Deno.remove(good, { recursive: true }).catch(() => {});
  await Deno.rename(temp, good);
}

/** Calls the test checkpoint hook (`AUTOSTACK_TEST_KILL_AT`) for `step` of `stack`. */
export function checkpoint(engine: Engine, stack: string, step: string): void {
  engine.deps.checkpoint?.(step, stack);
}
