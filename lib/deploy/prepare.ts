/**
 * One run up to its plan (docs/how-it-works.md#deploy-steps): with the clone
 * synced and what is deployed, marked bad and running read (the run's start,
 * `lib/run_start.ts`), discover the stacks, load their settings, and decide.
 * `run --dry-run` stops here and prints; `run` hands the plan to execute.
 * @module
 */
import { join } from "node:path";
import { statePaths } from "../state/mod.ts";
import { type Config, loadSettings, type SettingsResult } from "../config/mod.ts";
import type { Swarm } from "../docker/mod.ts";
import { askStacks, type RunStart, startRun } from "../run_start.ts";
import {
  discoverStacks,
  type Head,
  readForDiscovery,
  type Repo,
  repoName,
  type Skipped,
} from "../repo/mod.ts";
import { followImages } from "../registry/mod.ts";
import { type PlanItem, planRun, type ProjectCount } from "./plan.ts";
import type { Deps } from "../deps.ts";
import { DockerDownError } from "../errors.ts";
import { unknownName } from "../names.ts";

/** A decided run: the commit, the clone and what to do per stack. */
export interface PreparedRun {
  /** The commit being deployed. */
  head: Head;
  /** The clone. */
  repo: Repo;
  /** The run's swarm: its one list of stacks, asked for the plan, is reused by the deploys. */
  swarm: Swarm;
  /** One item per stack in the repo or deployed here. */
  plan: PlanItem[];
  /** Problems that refused stacks outright (name clashes, missing folders, links). */
  errors: string[];
  /** What discovery looked at and skipped, with why (also logged at `info`). */
  skipped: Skipped[];
  /** Docker did not answer when asked for its containers: a run cannot act. */
  dockerDown?: DockerDownError;
}

/** Options of {@link prepareRun}. */
export interface PrepareOptions {
  /** `--force`. */
  force: boolean;
  /** `--stack` names. */
  only: readonly string[];
  /** List the changed files of each changed stack (one git call each; `--dry-run` shows them). */
  changedFiles?: boolean;
  /** The run's first I/O, when the caller started it (else it is started here). */
  started?: RunStart;
  /** `--dry-run`: record nothing, not even when image digests were first seen. */
  dryRun?: boolean;
}

/**
 * Syncs the repo and plans the run; changes nothing outside the clone but,
 * unless `dryRun`, the first-seen times of image digests.
 */
export async function prepareRun(
  config: Config,
  deps: Deps,
  options: PrepareOptions,
): Promise<PreparedRun> {
  const paths = statePaths(config.base_dir);
  const { swarm, synced, local } = options.started ?? startRun(config, deps);
  const { repo, head, entries } = await synced;
  // docs/how-it-works.md#discovery: the same rule as validate, over git's listing.
  const found = discoverStacks(entries, config.folders, head.tree, repoName(config.repo), {
    nested: config.nested,
    composeFiles: config.defaults.compose_files,
    ...await readForDiscovery(paths.repo, entries),
  });
  await repo.storeTrees(found.trees);
  for (const skip of found.skipped) deps.logger.info(`${skip.path}: ${skip.why}`);
  const files = new Set(entries.filter((e) => e.type === "blob").map((e) => e.path));
  const settings = new Map<string, SettingsResult>();
  await Promise.all(found.stacks.map(async (stack) => {
    const dir = join(paths.repo, stack.path);
    const exists = (name: string) => files.has(stack.path === "." ? name : `${stack.path}/${name}`);
    settings.set(
      stack.name,
      await loadSettings(dir, stack.path, stack.composeFile, config.defaults, exists),
    );
  }));
  const [deployed, bad, asked] = await local;
  const swarmed = [...settings.values()].some((r) => r.settings?.mode === "swarm");
  const projects = asked instanceof DockerDownError || asked === undefined
    ? undefined
    : swarmed
    ? withStacks(asked, await askStacks(swarm))
    : asked;
  checkOnly(options.only, found.stacks.map((s) => s.name), deployed);
  const followed = await followImages({
    config,
    deps,
    repoDir: paths.repo,
    stacks: found.stacks,
    settings,
    deployed,
    only: options.only,
    record: !options.dryRun,
  });
  const plan = planRun({
    stacks: found.stacks,
    settings,
    deployed,
    bad,
    projects,
    hostname: config.hostname,
    force: options.force,
    prune: config.prune,
    only: options.only,
    ...(followed === undefined ? {} : { images: followed.images, imageWaits: followed.waits }),
  });
  if (options.changedFiles ?? true) await addChangedFiles(repo, plan);
  const down = asked instanceof DockerDownError ? { dockerDown: asked } : {};
  return { head, repo, swarm, plan, errors: found.errors, skipped: found.skipped, ...down };
}

/**
 * The projects with the swarm's stacks added: a stack's services stand for
 * its containers, which may run on other nodes than this one.
 */
function withStacks(
  projects: Map<string, ProjectCount>,
  stacks: Map<string, number>,
): Map<string, ProjectCount> {
  const all = new Map(projects);
  for (const [name, services] of stacks) {
    if (!all.has(name)) all.set(name, { containers: services, running: services });
  }
  return all;
}

function checkOnly(
  only: readonly string[],
  inRepo: string[],
  deployed: ReadonlyMap<string, unknown>,
): void {
  for (const name of only) {
    if (!inRepo.includes(name) && !deployed.has(name)) {
      throw unknownName("run", name, "in the repo or deployed here", [
        ...inRepo,
        ...deployed.keys(),
      ]);
    }
  }
}

async function addChangedFiles(repo: Repo, plan: PlanItem[]): Promise<void> {
  await Promise.all(plan.map(async (item) => {
    if (item.status !== "changed" || !item.deployed || !item.stack) return;
    if (item.deployed.tree === item.stack.tree) return;
    const files = await repo.changedFiles(item.deployed.tree, item.stack.tree);
    // A file stack's tree names its files as its copy does: show the repo's names.
    const named = new Map(item.stack.files?.map((f) => [f.to, f.from]));
    item.files = files?.map((file) => named.get(file) ?? file);
  }));
}
