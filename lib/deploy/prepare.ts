/**
 * One run up to its plan (docs/how-it-works.md#deploy-steps): sync the clone,
 * discover the stacks, load their settings, read what is deployed, marked bad
 * and running, and decide. `run --dry-run` stops here and prints; `run` hands
 * the plan to execute.
 * @module
 */
import { join } from "node:path";
import { readBad, readDeployed, statePaths } from "../state/mod.ts";
import { type Config, loadSettings, type SettingsResult } from "../config/mod.ts";
import { engineOf, listProjects, type ProjectSummary } from "../docker/mod.ts";
import { discoverStacks, type Head, type Repo, repoName, syncRepo } from "../repo/mod.ts";
import { type PlanItem, planRun } from "./plan.ts";
import type { Deps } from "../deps.ts";
import { UsageError } from "../errors.ts";

/** A decided run: the commit, the clone and what to do per stack. */
export interface PreparedRun {
  /** The commit being deployed. */
  head: Head;
  /** The clone. */
  repo: Repo;
  /** One item per stack in the repo or deployed here. */
  plan: PlanItem[];
  /** Problems that refused stacks outright (name clashes, missing folders). */
  errors: string[];
}

/** Options of {@link prepareRun}. */
export interface PrepareOptions {
  /** `--force`. */
  force: boolean;
  /** `--stack` names. */
  only: readonly string[];
  /** List the changed files of each changed stack (one git call each; `--dry-run` shows them). */
  changedFiles?: boolean;
}

/** Syncs the repo and plans the run; changes nothing outside the clone. */
export async function prepareRun(
  config: Config,
  deps: Deps,
  options: PrepareOptions,
): Promise<PreparedRun> {
  const paths = statePaths(config.base_dir);
  // What is deployed, marked bad and running does not depend on the fetch: ask meanwhile.
  const local = Promise.all([readDeployed(paths), readBad(paths.bad), askProjects(deps, config)]);
  local.catch(() => {}); // awaited below; a failed fetch must not leave it unhandled
  const { repo, head, entries } = await syncRepo({
    runner: deps.runner,
    dir: paths.repo,
    url: config.repo,
    branch: config.branch,
    log: (m) => deps.logger.info(m),
    askpass: deps.env.GIT_ASKPASS,
  });
  const found = discoverStacks(entries, config.folders, head.tree, repoName(config.repo));
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
  const [deployed, bad, projects] = await local;
  checkOnly(options.only, found.stacks.map((s) => s.name), deployed);
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
  });
  if (options.changedFiles ?? true) await addChangedFiles(repo, plan);
  return { head, repo, plan, errors: found.errors };
}

async function askProjects(
  deps: Deps,
  config: Config,
): Promise<Map<string, ProjectSummary> | undefined> {
  try {
    return await listProjects(deps.runner, engineOf(config.compose));
  } catch (error) {
    deps.logger.warn(`cannot list containers (${String(error)}): missing containers not checked`);
    return undefined;
  }
}

function checkOnly(
  only: readonly string[],
  inRepo: string[],
  deployed: ReadonlyMap<string, unknown>,
): void {
  for (const name of only) {
    if (!inRepo.includes(name) && !deployed.has(name)) {
      throw new UsageError(`stack "${name}": not found in the repo nor deployed here`);
    }
  }
}

async function addChangedFiles(repo: Repo, plan: PlanItem[]): Promise<void> {
  await Promise.all(plan.map(async (item) => {
    if (item.status !== "changed" || !item.deployed || !item.stack) return;
    if (item.deployed.tree === item.stack.tree) return;
    item.files = await repo.changedFiles(item.deployed.tree, item.stack.tree);
  }));
}
