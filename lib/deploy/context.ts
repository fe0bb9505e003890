/**
 * What a stack's deploy works with, gathered once per run: the config, the
 * state paths, the clone, the commit, compose, the outside world, and the
 * queue that serialises bad.json changes. Every deploy step takes it first.
 * @module
 */
import type { Config } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import { Compose, Swarm } from "../docker/mod.ts";
import { Queue } from "../queue.ts";
import type { Head, Repo } from "../repo/mod.ts";
import type { StatePaths } from "../state/mod.ts";

/** Everything one stack's deploy works with. */
export interface DeployContext {
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
  /** Swarm, through the run's runner (`mode: swarm` stacks). */
  swarm: Swarm;
  /** The outside world. */
  deps: Deps;
  /** Serialises bad.json changes of this run (see `changeBad` in marks.ts). */
  badQueue: Queue;
}

/**
 * Builds the context of a run: its compose and bad.json queue come from the
 * rest, and so does its swarm unless the run made one already (to plan with).
 */
export function makeDeployContext(
  base: Omit<DeployContext, "compose" | "swarm" | "badQueue"> & { swarm?: Swarm },
): DeployContext {
  return {
    ...base,
    compose: new Compose(base.deps.runner, base.config.compose),
    swarm: base.swarm ?? new Swarm(base.deps.runner, base.deps.engine),
    badQueue: new Queue(),
  };
}

/** Calls the test checkpoint hook (`AUTOSTACK_TEST_KILL_AT`) for `step` of `stack`. */
export function checkpoint(ctx: DeployContext, stack: string, step: string): void {
  ctx.deps.checkpoint?.(step, stack);
}
