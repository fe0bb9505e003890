/**
 * What each stack needs this run (docs/how-it-works.md#the-plan): new /
 * changed / unchanged / bad / removed, plus the stacks refused for bad
 * settings or disabled here. A pure
 * function of the repo's stacks, the deployed versions, the bad marks and the
 * projects that have containers, so every rule is unit-tested without I/O.
 * @module
 */
import {
  type BadMark,
  imageChanges,
  type ImagePin,
  isBad,
  type VersionInfo,
} from "../state/mod.ts";
import { compareNames } from "../names.ts";
import type { Stack } from "../repo/mod.ts";
import { type DeploySettings, formatProblem, type SettingsResult } from "../config/mod.ts";
import { liveProject, peerProject, projectPair } from "./projects.ts";

/** A stack's status in the plan. */
export type PlanStatus =
  | "new"
  | "changed"
  | "unchanged"
  | "bad"
  | "removed"
  | "disabled"
  | "error"
  | "refused"
  | "adopt";

/** What the run will do about a stack. */
export type PlanAction = PlanItem["action"];

/** What every line of the plan says. */
interface PlanBase {
  /** Stack (project) name. */
  name: string;
  /** Its status, as `--dry-run` shows it. */
  status: PlanStatus;
  /** Why, in words an operator reads in a cron mail. */
  why: string;
  /** The deployed version (`running_stacks/NAME/version.txt`). */
  deployed?: VersionInfo;
  /** Settings warnings (unknown keys …), one line each. */
  warnings?: string[];
  /** Files changed since the deployed version (filled in after planning, for `--dry-run`). */
  files?: string[];
}

/** A stack of the repo with valid settings. */
interface InRepo {
  /** The stack in the repo. */
  stack: Stack;
  /** Its settings. */
  settings: DeploySettings;
  /** With `image_updates`: the digests its version is deployed with (docs/image-updates.md). */
  images?: ImagePin[];
  /** `method: canary` only: why the stack cannot take its second project name. */
  canaryBlocked?: string;
}

/** The repo's version goes in (`new`, `changed`, or `bad` with `--force`). */
export interface DeployItem extends PlanBase, InRepo {
  /** What `run` does about it. */
  action: "deploy";
  /** The bad mark of the repo's version, when it is deployed anyway (`--force`). */
  bad?: BadMark;
}

/** The repo's version is marked bad: skipped, the deployed one kept (or started again). */
export interface SkipBadItem extends PlanBase, InRepo {
  /** What `run` does about it. */
  action: "skip_bad";
  /** The bad mark of the repo's version. */
  bad: BadMark;
  /** The deployed version's containers are missing: start it again. */
  restart: boolean;
}

/** A stack that left the repo or was disabled here, taken down (`prune`). */
export interface RemoveItem extends PlanBase, Partial<InRepo> {
  /** What `run` does about it. */
  action: "remove";
}

/**
 * Refused without touching anything: its settings are invalid (`error`), or,
 * for `--dry-run`, the preflight refused the version (`refused`).
 */
export interface RefuseItem extends PlanBase, Partial<InRepo> {
  /** What `run` does about it. */
  action: "refuse";
  /** What is wrong, one line each. */
  problems: string[];
}

/** Nothing to do: unchanged, disabled, or removed without `prune`. */
export interface NoneItem extends PlanBase, Partial<InRepo> {
  /** What `run` does about it. */
  action: "none";
}

/** One line of the plan, keyed on what the run does about it. */
export type PlanItem = DeployItem | SkipBadItem | RemoveItem | RefuseItem | NoneItem;

/** What the plan needs to know of a compose project's containers (one `docker ps` per run). */
export interface ProjectCount {
  /** How many containers it has, in any state. */
  containers: number;
  /** How many of them are running. */
  running: number;
  /** The folder compose ran the project from. */
  workingDir?: string;
}

/** Everything {@link planRun} decides from. */
export interface PlanInput {
  /** Stacks found in the repo. */
  stacks: readonly Stack[];
  /** Settings per stack name. */
  settings: ReadonlyMap<string, SettingsResult>;
  /** Folders under `running_stacks`, with their version (undefined: no readable version.txt). */
  deployed: ReadonlyMap<string, VersionInfo | undefined>;
  /** Bad marks by stack name. */
  bad: Readonly<Record<string, BadMark>>;
  /** Projects that have containers; `undefined` when Docker could not be asked. */
  projects?: ReadonlyMap<string, ProjectCount>;
  /** This host's name, for `hosts`. */
  hostname: string;
  /** `--force`: deploy versions marked bad. */
  force: boolean;
  /** `prune`: take down stacks that left the repo or were disabled. */
  prune: boolean;
  /** `--stack` names; empty means all. */
  only: readonly string[];
  /**
   * The image pins of each stack that checks its images (`image_updates`):
   * part of its version. A stack not in the map is its tree alone.
   */
  images?: ReadonlyMap<string, ImagePin[]>;
  /** Per stack, the new digests that wait for `image_min_age`, in words (said in `why`). */
  imageWaits?: ReadonlyMap<string, string[]>;
}

/** Decides, for every stack in the repo or deployed here, what this run does. */
export function planRun(input: PlanInput): PlanItem[] {
  const wanted = (name: string) => input.only.length === 0 || input.only.includes(name);
  const items: PlanItem[] = [];
  for (const stack of input.stacks) {
    if (wanted(stack.name)) items.push(planStack(input, stack));
  }
  const inRepo = new Set(input.stacks.map((s) => s.name));
  for (const [name, deployed] of input.deployed) {
    if (inRepo.has(name) || !wanted(name)) continue;
    items.push({
      name,
      status: "removed",
      action: input.prune ? "remove" : "none",
      why: `left the repo${input.prune ? "" : " (prune is off: left running)"}`,
      deployed,
    });
  }
  return items.sort(compareNames);
}

function planStack(input: PlanInput, stack: Stack): PlanItem {
  const result = input.settings.get(stack.name);
  const base = {
    name: stack.name,
    stack,
    deployed: input.deployed.get(stack.name),
    warnings: (result?.warnings ?? []).map(formatProblem),
  };
  if (!result?.settings) {
    const problems = (result?.errors ?? []).map(formatProblem);
    return { ...base, status: "error", action: "refuse", why: "invalid deploy settings", problems };
  }
  const settings = result.settings;
  const images = input.images?.get(stack.name);
  const item = {
    ...base,
    settings,
    ...(images === undefined ? {} : { images }),
    ...canaryBlock(input, stack.name, settings),
  };
  const off = disabledWhy(settings, input.hostname);
  if (off) {
    if (!input.deployed.has(stack.name)) {
      return { ...item, status: "disabled", action: "none", why: off };
    }
    const action = input.prune ? "remove" : "none";
    const why = `${off}${input.prune ? "" : " (prune is off: left running)"}`;
    return { ...item, status: "removed", action, why };
  }
  const mark = input.bad[stack.name];
  if (mark && isBad(input.bad, stack.name, stack.tree, images)) {
    const why = `version marked bad ${mark.marked_at}: ${mark.reason}`;
    if (input.force) {
      return { ...item, bad: mark, status: "bad", action: "deploy", why: `${why} (--force)` };
    }
    // The deployed (good) version lost its containers while the repo's is bad:
    // start the deployed one again rather than leave the stack down.
    const deployed = base.deployed;
    const restart = deployed !== undefined && !deployed.pending &&
      !isBad(input.bad, stack.name, deployed.tree, images && (deployed.images ?? [])) &&
      input.projects !== undefined &&
      !(input.projects.get(liveProject(stack.name, deployed))?.containers);
    return { ...item, bad: mark, status: "bad", action: "skip_bad", why, restart };
  }
  const status = versionStatus(input, stack, base.deployed, images);
  // docs/image-updates.md#image_min_age: the stack stays on its version, and says why
  // (first: `--dry-run` appends the changed files to the version's own why).
  const waits = input.imageWaits?.get(stack.name) ?? [];
  const why = [...waits, status.why].filter((w) => w !== "").join("; ");
  return { ...item, ...status, why };
}

function disabledWhy(settings: DeploySettings, hostname: string): string | undefined {
  if (!settings.deploy) return "deploy: false";
  if (settings.hosts && !settings.hosts.includes(hostname)) {
    return `hosts: ${settings.hosts.join(", ")} does not include ${hostname}`;
  }
  return undefined;
}

function versionStatus(
  input: PlanInput,
  stack: Stack,
  deployed: VersionInfo | undefined,
  images: readonly ImagePin[] | undefined,
): { status: PlanStatus; action: "deploy" | "none"; why: string } {
  if (!input.deployed.has(stack.name)) {
    // A project of that name runs here, started by hand or by another tool.
    const running = input.projects?.get(stack.name);
    if (running && running.containers > 0) {
      const from = running.workingDir ? ` from ${running.workingDir}` : "";
      return {
        status: "adopt",
        action: "deploy",
        why: `a compose project "${stack.name}" not deployed by autostack runs here${from}: ` +
          "it is taken down and replaced",
      };
    }
    return { status: "new", action: "deploy", why: "not deployed yet" };
  }
  if (!deployed) {
    return {
      status: "changed",
      action: "deploy",
      why: "deployed files incomplete (no version.txt)",
    };
  }
  if (deployed.pending) {
    return { status: "changed", action: "deploy", why: "last deploy did not finish" };
  }
  if (deployed.tree !== stack.tree) {
    return { status: "changed", action: "deploy", why: "files changed" };
  }
  // docs/image-updates.md: a new digest behind a tag is a new version.
  const moved = images === undefined ? [] : imageChanges(deployed.images, images);
  if (moved.length > 0) return { status: "changed", action: "deploy", why: moved.join("; ") };
  const live = liveProject(stack.name, deployed);
  const project = input.projects?.get(live);
  if (input.projects && (!project || project.containers === 0)) {
    return { status: "changed", action: "deploy", why: "containers missing" };
  }
  const left = leftBehind(input, stack.name, deployed);
  if (left) {
    return { status: "changed", action: "deploy", why: `a second copy (${left}) is running` };
  }
  return { status: "unchanged", action: "none", why: "" };
}

/** Whether a stack name is a stack of the repo or deployed here. */
function isStack(input: PlanInput, name: string): boolean {
  return input.deployed.has(name) || input.stacks.some((s) => s.name === name);
}

/** A canary stack whose second project name is another stack's cannot use it. */
function canaryBlock(input: PlanInput, name: string, settings: DeploySettings) {
  if (settings.method !== "canary") return {};
  const second = projectPair(name)[1];
  if (!isStack(input, second)) return {};
  return { canaryBlocked: `its second project name "${second}" is another stack's name` };
}

/**
 * The peer project of a canary stack when it has running containers: a run
 * killed mid-canary left a second copy, which the next deploy takes down.
 */
function leftBehind(
  input: PlanInput,
  name: string,
  deployed: VersionInfo,
): string | undefined {
  const settings = input.settings.get(name)?.settings;
  if (settings?.method !== "canary" && deployed.project === undefined) return undefined;
  const peer = peerProject(name, liveProject(name, deployed));
  if (isStack(input, peer) || !(input.projects?.get(peer)?.running)) return undefined;
  return peer;
}
