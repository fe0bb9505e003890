/**
 * `autostack status` (docs/how-it-works.md#commands): every stack deployed here
 * or marked bad, with its deployed commit and tree, its health now (from one
 * `docker ps` for the whole host), its last result and the bad mark. Reads
 * state only: no fetch.
 * @module
 */
import { errorMessage } from "../errors.ts";
import { FAILURES, type HistoryEntry, type Result } from "../outcome.ts";
import {
  type BadMark,
  lastByStack,
  readBadLenient,
  readDeployed,
  readHistory,
  samePins,
  statePaths,
} from "../state/mod.ts";
import type { StatusCommand } from "../cli.ts";
import type { Config } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import {
  describeFaults,
  engineOf,
  evaluateHealth,
  listProjects,
  type ProjectSummary,
  Swarm,
} from "../docker/mod.ts";
import { lookAtSwarm, type SwarmLook } from "./_swarm.ts";
import { liveProject } from "../deploy/mod.ts";
import { formatTable, short } from "../table.ts";
import { jsonDocument, type StatusStackJson } from "./json.ts";
import { localTime } from "./_time.ts";

/** One stack's line of `status`: the JSON contract's fields, the last outcome and mark flat. */
export type StackStatus = Omit<StatusStackJson, "last" | "bad"> & {
  last_result: Result | null;
  last_time: string | null;
  last_message: string | null;
  bad: BadMark | null;
};

/** Describes a project's health in a few words, from the host's container list. Pure. */
export function healthWords(summary: ProjectSummary | undefined): string {
  if (!summary || summary.list.length === 0) return "down";
  if (summary.list.every((c) => c.state !== "running" && c.state !== "restarting")) {
    // 137/143: killed by SIGKILL/SIGTERM, i.e. stopped on purpose, not failed.
    const failed = summary.list.some((c) =>
      c.state === "exited" && ![0, 137, 143].includes(c.exitCode)
    );
    if (!failed || summary.list.every((c) => c.state === "created")) return "stopped";
  }
  const verdict = evaluateHealth([], summary.list);
  if (verdict.status === "healthy") return "healthy";
  return `${verdict.status === "waiting" ? "not healthy" : "unhealthy"}: ${
    describeFaults(verdict.faults)
  }`;
}

/** How many of a project's containers are up and healthy (or done), of how many: `2/2`. */
export function servicesWords(summary: ProjectSummary | undefined): string {
  const list = summary?.list ?? [];
  const ready = list.filter((c) =>
    (c.state === "running" && (c.health === "" || c.health === "healthy")) ||
    (c.state === "exited" && c.exitCode === 0)
  );
  return `${ready.length}/${list.length}`;
}

/**
 * Whether a bad mark is about the version the repo has now, as the last run
 * saw it: the stack's last outcome is about the marked tree, or came before
 * the mark. A mark on a version the repo has since moved past (a fix was
 * deployed) stays in bad.json, in case that very tree comes back, but is not
 * the stack's state.
 */
export function currentMark(mark: BadMark, last: HistoryEntry | undefined): boolean {
  return last === undefined || last.tree === mark.tree || mark.marked_at >= last.time;
}

/** Gathers the status of every stack known to this host. */
export async function gatherStatus(config: Config, deps: Deps): Promise<StackStatus[]> {
  const paths = statePaths(config.base_dir);
  const [deployed, marks, history] = await Promise.all([
    readDeployed(paths),
    readBadLenient(paths.bad),
    readHistory(paths.history),
  ]);
  // A corrupt bad.json must not hide the rest: show what it holds, name what is wrong.
  if (marks.problem !== undefined) deps.logger.warn(marks.problem);
  const bad = marks.marks;
  let projects: Map<string, ProjectSummary> | undefined;
  try {
    projects = await listProjects(deps.runner, deps.engine, engineOf(config.compose));
  } catch (error) {
    deps.logger.warn(`cannot ask the container engine: ${errorMessage(error)}`);
  }
  const last = lastByStack(history);
  const names = [...new Set([...deployed.keys(), ...Object.keys(bad)])].sort();
  const swarm = projects === undefined ? new Map() : await lookAtSwarm(
    new Swarm(deps.runner, deps.engine),
    names.filter((n) => !projects?.has(liveProject(n, deployed.get(n)))),
  ).catch(() => new Map<string, SwarmLook>());
  return names.map((name) => {
    const version = deployed.get(name);
    const entry = last.get(name);
    const project = liveProject(name, version);
    const summary = projects?.get(project);
    // A deploy that reached an outcome (failed, not restored) is not in flight.
    const ended = entry !== undefined && version?.startedAt !== undefined &&
      entry.time >= version.startedAt;
    return {
      stack: name,
      project,
      commit: version?.commit ?? null,
      tree: version?.tree ?? null,
      ...(version?.images === undefined ? {} : { images: version.images }),
      pending: (version?.pending ?? false) && !ended,
      health: projects ? swarm.get(name)?.health ?? healthWords(summary) : "unknown",
      services: projects ? swarm.get(name)?.services ?? servicesWords(summary) : "-",
      last_result: entry?.result ?? null,
      last_time: entry?.time ?? null,
      last_message: entry?.message ?? null,
      bad: Object.hasOwn(bad, name) && currentMark(bad[name]!, entry) ? bad[name]! : null,
    };
  });
}

/** The status as aligned text lines. Pure. */
export function formatStatus(stacks: readonly StackStatus[]): string[] {
  const rows = [[
    "STACK",
    "PROJECT",
    "COMMIT",
    "TREE",
    "SERVICES",
    "HEALTH",
    "LAST",
    "WHEN",
    "BAD",
  ]];
  for (const s of stacks) {
    rows.push([
      s.stack,
      s.project,
      `${short(s.commit ?? undefined)}${s.pending ? " (pending)" : ""}`,
      short(s.tree ?? undefined) + pinsWords(s.images),
      s.services,
      s.health,
      s.last_result ?? "-",
      s.last_time ? localTime(s.last_time) : "-",
      s.bad ? `${short(s.bad.tree)}: ${s.bad.reason}` : "-",
    ]);
  }
  return formatTable(rows);
}

/** ` app@sha256:1a2b3c4d5e6f`: the digests a stack was deployed with, after its tree. */
function pinsWords(images: StackStatus["images"]): string {
  return (images ?? []).map((p) => ` ${p.service}@${p.digest.slice(0, 19)}`).join("");
}

/** One stack's status as JSON (docs/json-output.md#status---json). Pure. */
export function statusJson(s: StackStatus): StatusStackJson {
  const { last_result, last_time, last_message, bad, ...rest } = s;
  return {
    ...rest,
    last: last_result === null
      ? null
      : { result: last_result, at: last_time ?? "", message: last_message ?? "" },
    bad: bad === null ? null : {
      tree: bad.tree,
      commit: bad.commit,
      at: bad.marked_at,
      reason: bad.reason,
      ...(bad.images === undefined ? {} : { images: bad.images }),
    },
  };
}

/** Runs `status`: text or `--json`. */
export async function statusCommand(
  command: StatusCommand,
  config: Config,
  deps: Deps,
): Promise<number> {
  const stacks = await gatherStatus(config, deps);
  if (command.json) deps.out(jsonDocument({ stacks: stacks.map(statusJson) }));
  else if (stacks.length === 0) deps.out("no stacks deployed yet");
  else for (const line of formatStatus(stacks)) deps.out(line);
  if (!command.check) return 0;
  const unwell = stacks.filter((s) => !isWell(s));
  for (const s of unwell) deps.err(`autostack: stack "${s.stack}": ${whyUnwell(s)}`);
  return unwell.length === 0 ? 0 : 1;
}

/**
 * Whether a stack is as it should be, for `status --check`: its version
 * deployed (not in flight, not failed), healthy, and not marked bad.
 */
export function isWell(s: StackStatus): boolean {
  return whyUnwell(s) === undefined;
}

function whyUnwell(s: StackStatus): string | undefined {
  if (s.health === "unknown") return "Docker could not be asked";
  if (s.commit === null) return "not deployed";
  if (s.pending) return "a deploy is in flight or was interrupted";
  if (s.health !== "healthy") return s.health;
  // A mark of another tree, or of other digests behind the same tree (docs/image-updates.md).
  const otherPins = s.bad?.images !== undefined && !samePins(s.bad.images, s.images ?? []);
  if (s.bad !== null && (s.bad.tree !== s.tree || otherPins)) {
    return `its repo version is marked bad: ${s.bad.reason}`;
  }
  if (s.last_result !== null && FAILURES.has(s.last_result)) {
    return `last outcome: ${s.last_result}`;
  }
  return undefined;
}
