/**
 * `autostack status` (docs/how-it-works.md#commands): every stack deployed here
 * or marked bad, with its deployed commit and tree, its health now (from one
 * `docker ps` for the whole host), its last result and the bad mark. Reads
 * state only: no fetch.
 * @module
 */
import { lastByStack, readBad, readDeployed, readHistory, statePaths } from "../state/mod.ts";
import type { StatusCommand } from "../cli.ts";
import type { Config } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import {
  describeFaults,
  engineOf,
  evaluateHealth,
  listProjects,
  type ProjectSummary,
} from "../docker/mod.ts";
import { liveProject } from "../deploy/mod.ts";
import { formatTable, short } from "../table.ts";

/** One stack's line of `status`. */
export interface StackStatus {
  stack: string;
  /** The compose project it is live under: the stack name, or `NAME-canary` after a canary. */
  project: string;
  commit: string | null;
  tree: string | null;
  /** `true` while a deploy of it is in flight or was interrupted. */
  pending: boolean;
  /** `healthy`, `stopped`, `down` (no containers), `unknown`, or `unhealthy: …`. */
  health: string;
  last_result: string | null;
  last_time: string | null;
  last_message: string | null;
  bad: { tree: string; commit: string; marked_at: string; reason: string } | null;
}

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

/** Gathers the status of every stack known to this host. */
export async function gatherStatus(config: Config, deps: Deps): Promise<StackStatus[]> {
  const paths = statePaths(config.base_dir);
  const [deployed, bad, history] = await Promise.all([
    readDeployed(paths),
    readBad(paths.bad),
    readHistory(paths.history),
  ]);
  let projects: Map<string, ProjectSummary> | undefined;
  try {
    projects = await listProjects(deps.runner, engineOf(config.compose));
  } catch (error) {
    deps.logger.warn(`cannot ask the container engine: ${String(error)}`);
  }
  const last = lastByStack(history);
  const names = [...new Set([...deployed.keys(), ...Object.keys(bad)])].sort();
  return names.map((name) => {
    const version = deployed.get(name);
    const entry = last.get(name);
    const project = liveProject(name, version);
    return {
      stack: name,
      project,
      commit: version?.commit ?? null,
      tree: version?.tree ?? null,
      pending: version?.pending ?? false,
      health: projects ? healthWords(projects.get(project)) : "unknown",
      last_result: entry?.result ?? null,
      last_time: entry?.time ?? null,
      last_message: entry?.message ?? null,
      bad: Object.hasOwn(bad, name) ? bad[name]! : null,
    };
  });
}

/** The status as aligned text lines. Pure. */
export function formatStatus(stacks: readonly StackStatus[]): string[] {
  const rows = [["STACK", "PROJECT", "COMMIT", "TREE", "HEALTH", "LAST", "WHEN", "BAD"]];
  for (const s of stacks) {
    rows.push([
      s.stack,
      s.project,
      `${short(s.commit ?? undefined)}${s.pending ? " (pending)" : ""}`,
      short(s.tree ?? undefined),
      s.health,
      s.last_result ?? "-",
      s.last_time ? s.last_time.slice(0, 19).replace("T", " ") : "-",
      s.bad ? `${short(s.bad.tree)}: ${s.bad.reason}` : "-",
    ]);
  }
  return formatTable(rows);
}

/** Runs `status`: text or `--json`. */
export async function statusCommand(
  command: StatusCommand,
  config: Config,
  deps: Deps,
): Promise<number> {
  const stacks = await gatherStatus(config, deps);
  if (command.json) deps.out(JSON.stringify(stacks, null, 2));
  else if (stacks.length === 0) deps.out("no stacks deployed yet");
  else for (const line of formatStatus(stacks)) deps.out(line);
  return 0;
}
