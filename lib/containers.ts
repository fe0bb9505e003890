/**
 * Which compose projects have containers on this host, in one engine call per
 * run, so that planning can find stacks whose containers are missing (SPEC 5)
 * without one `compose ps` per stack.
 * @module
 */
import { ComposeError } from "./errors.ts";
import type { Runner } from "./process.ts";
import { tail } from "./compose.ts";

/** The containers of one compose project. */
export interface ProjectSummary {
  /** The compose project name (label `com.docker.compose.project`). */
  project: string;
  /** How many containers it has, in any state. */
  containers: number;
  /** How many of them are running. */
  running: number;
}

/** The `--format` template: one `PROJECT<TAB>STATE` line per container. */
export const PROJECT_LIST_FORMAT = '{{.Label "com.docker.compose.project"}}\t{{.State}}';

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
    const project = line.slice(0, tab);
    const state = line.slice(tab + 1).trim();
    const summary = projects.get(project) ?? { project, containers: 0, running: 0 };
    summary.containers += 1;
    if (state === "running") summary.running += 1;
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
