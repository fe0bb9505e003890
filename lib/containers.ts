/**
 * Which compose projects have containers on this host, in one engine call per
 * run, so that planning can find stacks whose containers are missing (SPEC 5)
 * without one `compose ps` per stack.
 * @module
 */
import { ComposeError } from "./errors.ts";
import type { Runner } from "./process.ts";
import { type ContainerInfo, tail } from "./compose.ts";

/** The containers of one compose project. */
export interface ProjectSummary {
  /** The compose project name (label `com.docker.compose.project`). */
  project: string;
  /** How many containers it has, in any state. */
  containers: number;
  /** How many of them are running. */
  running: number;
  /** The containers, as far as the list tells (service, state, health, exit code). */
  list: ContainerInfo[];
}

/**
 * The `--format` template: one `PROJECT<TAB>STATE<TAB>SERVICE<TAB>STATUS<TAB>ID<TAB>NAME`
 * line per container. STATUS (`Up 3 minutes (healthy)`, `Exited (1) 2 s ago`)
 * carries the health and exit code, so `status` needs no call per stack.
 */
export const PROJECT_LIST_FORMAT = [
  '{{.Label "com.docker.compose.project"}}',
  "{{.State}}",
  '{{.Label "com.docker.compose.service"}}',
  "{{.Status}}",
  "{{.ID}}",
  "{{.Names}}",
].join("\t");

/** Reads the health and exit code out of a `docker ps` status text. */
export function parseStatus(status: string): { health: string; exitCode: number } {
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(status)?.[1];
  const exit = /^(?:Exited|Restarting) \((-?\d+)\)/.exec(status)?.[1];
  return {
    health: health === "health: starting" ? "starting" : health ?? "",
    exitCode: exit === undefined ? 0 : Number(exit),
  };
}

/** Parses `PROJECT<TAB>STATE` lines into a summary per project. */
export function parseProjectList(stdout: string): Map<string, ProjectSummary> {
  const projects = new Map<string, ProjectSummary>();
  for (const [i, raw] of stdout.split("\n").entries()) {
    const line = raw.trim();
    if (line === "") continue;
    const tab = line.indexOf("\t");
    if (tab <= 0) {
      throw new ComposeError(
        `cannot read container list, line ${i + 1}: expected "PROJECT<TAB>STATE": ${line}`,
      );
    }
    const [project = "", rawState = "", service = "", status = "", id = "", name = ""] = line
      .split("\t");
    const state = rawState.trim();
    const summary = projects.get(project) ?? { project, containers: 0, running: 0, list: [] };
    summary.containers += 1;
    if (state === "running") summary.running += 1;
    summary.list.push({ id, name, service, state, ...parseStatus(status) });
    projects.set(project, summary);
  }
  return projects;
}

/** Lists every compose project with containers on the host, in one `ps -a` call. */
export async function listProjects(
  runner: Runner,
  engine = "docker",
): Promise<Map<string, ProjectSummary>> {
  const r = await runner.run([
    engine,
    "ps",
    "-a",
    "--filter",
    "label=com.docker.compose.project",
    "--format",
    PROJECT_LIST_FORMAT,
  ]);
  if (r.code !== 0) {
    throw new ComposeError(`${engine} ps failed (exit ${r.code}): ${tail(r.stderr, 3)}`);
  }
  return parseProjectList(r.stdout);
}
