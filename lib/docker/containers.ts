/**
 * Which compose projects have containers on this host, in one engine call per
 * run, so that planning can find stacks whose containers are missing
 * (docs/how-it-works.md#deploy-steps) without one `compose ps` per stack; and
 * the `docker ps` format and parser that this list and `Compose.containers`
 * share.
 * @module
 */
import { z } from "zod";
import { ComposeError, daemonDown, DockerDownError } from "../errors.ts";
import { type Runner, tail } from "../process.ts";
import {
  type Engine,
  ENGINE_TIMEOUT_MS,
  engineAnswer,
  engineGet,
  NoEngineSocketError,
} from "./engine.ts";

/** One container of a project, as `compose ps` and `docker ps` report it. */
export interface ContainerInfo {
  /** Container id (short, as `ps` prints it). */
  id: string;
  /** Container name. */
  name: string;
  /** Compose service the container belongs to. */
  service: string;
  /** `running`, `exited`, `restarting`, `created`, `paused`, `dead`, … */
  state: string;
  /** `healthy`, `unhealthy`, `starting`, or `""` without a healthcheck. */
  health: string;
  /** Exit code of the last run (for `restarting`, read from the status text). */
  exitCode: number;
}

/**
 * The `--format` of autostack's `docker ps` calls: one
 * `PROJECT<TAB>STATE<TAB>SERVICE<TAB>STATUS<TAB>ID<TAB>NAME<TAB>ONEOFF<TAB>DIR`
 * line per container (DIR: the folder compose ran the project from). STATUS (`Up 3 minutes (healthy)`, `Exited (1) 2 s ago`) carries
 * the health and the exit code, so one call tells everything a verdict needs.
 */
export const CONTAINER_FORMAT = [
  '{{.Label "com.docker.compose.project"}}',
  "{{.State}}",
  '{{.Label "com.docker.compose.service"}}',
  "{{.Status}}",
  "{{.ID}}",
  "{{.Names}}",
  '{{.Label "com.docker.compose.oneoff"}}',
  '{{.Label "com.docker.compose.project.working_dir"}}',
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

/** One {@link CONTAINER_FORMAT} line: the container, its project, and whether `compose run` made it. */
export interface ContainerLine {
  /** The compose project (label `com.docker.compose.project`). */
  project: string;
  /** A one-off container of `compose run`, which `compose ps` does not list. */
  oneOff: boolean;
  /** The folder compose ran the project from (`""` when the label is missing). */
  workingDir: string;
  /** The container. */
  container: ContainerInfo;
}

/** Parses one {@link CONTAINER_FORMAT} line (`number` is 1-based, for the error); blank gives `undefined`. */
export function parseContainerLine(raw: string, number: number): ContainerLine | undefined {
  const line = raw.trim();
  if (line === "") return undefined;
  if (line.indexOf("\t") <= 0) {
    throw new ComposeError(
      `cannot read container list, line ${number}: expected "PROJECT<TAB>STATE": ${line}`,
    );
  }
  const [
    project = "",
    state = "",
    service = "",
    status = "",
    id = "",
    name = "",
    oneOff = "",
    dir = "",
  ] = line.split("\t");
  const container = { id, name, service, state: state.trim(), ...parseStatus(status) };
  return { project, oneOff: oneOff.trim() === "True", workingDir: dir.trim(), container };
}

/** The containers of `project` in `docker ps --format CONTAINER_FORMAT` output, one-offs left out (as `compose ps` does). */
export function parseContainerList(stdout: string, project: string): ContainerInfo[] {
  return stdout.split("\n").flatMap((raw, i) => {
    const line = parseContainerLine(raw, i + 1);
    return line && line.project === project && !line.oneOff ? [line.container] : [];
  });
}

/** `ENGINE ps -a` of one project's containers, found by label: no compose process, no files. */
export function containerListArgs(engine: string, project: string): string[] {
  return [
    engine,
    "ps",
    "-a",
    "--filter",
    `label=com.docker.compose.project=${project}`,
    "--format",
    CONTAINER_FORMAT,
  ];
}

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
  /** The folder compose ran the project from, as its containers' label says. */
  workingDir: string;
}

/** Parses `PROJECT<TAB>STATE…` lines into a summary per project. */
export function parseProjectList(stdout: string): Map<string, ProjectSummary> {
  return summarise(
    stdout.split("\n").flatMap((raw, i) => parseContainerLine(raw, i + 1) ?? []),
  );
}

/** One container as the engine's `GET /containers/json` lists it (the fields read). */
const ApiContainer = z.object({
  Id: z.string(),
  Names: z.array(z.string()),
  State: z.string(),
  Status: z.string(),
  Labels: z.record(z.string(), z.string()).nullish(),
});

/**
 * Parses the engine's `GET /containers/json` answer into the same lines as
 * `docker ps --format CONTAINER_FORMAT` (a short ID and a name without its
 * `/`, as the CLI prints them), then a summary per project.
 */
export function parseApiProjectList(body: unknown): Map<string, ProjectSummary> {
  return summarise(
    engineAnswer(z.array(ApiContainer), body, "container list").map((c) => {
      const label = (key: string) => c.Labels?.[`com.docker.compose.${key}`] ?? "";
      const container = {
        id: c.Id.slice(0, 12),
        name: (c.Names[0] ?? "").replace(/^\//, ""),
        service: label("service"),
        state: c.State,
        ...parseStatus(c.Status),
      };
      return {
        project: label("project"),
        oneOff: label("oneoff") === "True",
        workingDir: label("project.working_dir"),
        container,
      };
    }),
  );
}

function summarise(lines: readonly ContainerLine[]): Map<string, ProjectSummary> {
  const projects = new Map<string, ProjectSummary>();
  for (const { project, container, workingDir } of lines) {
    const summary = projects.get(project) ??
      { project, containers: 0, running: 0, list: [], workingDir };
    summary.containers += 1;
    if (container.state === "running") summary.running += 1;
    summary.list.push(container);
    projects.set(project, summary);
  }
  return projects;
}

/**
 * Lists every compose project with containers on the host in one call: a
 * request to docker's API when the engine is on a local socket (a few ms,
 * where `docker ps` is a CLI process that competes with the run's `git fetch`
 * for the CPU), else `ENGINE ps -a` (podman, or a `tcp://`/`ssh://` engine).
 */
export async function listProjects(
  runner: Runner,
  api: Engine,
  engine = "docker",
): Promise<Map<string, ProjectSummary>> {
  if (engine === "docker") {
    try {
      return parseApiProjectList(
        await engineGet(api, "/containers/json", {
          all: "true",
          filters: { label: ["com.docker.compose.project"] },
        }, "ps"),
      );
    } catch (error) {
      // No socket here (a `docker` that is podman's, say): the CLI knows the way, or says why not.
      if (!(error instanceof NoEngineSocketError || error instanceof DockerDownError)) throw error;
    }
  }
  const r = await runner.run([
    engine,
    "ps",
    "-a",
    "--filter",
    "label=com.docker.compose.project",
    "--format",
    CONTAINER_FORMAT,
  ], { timeoutMs: ENGINE_TIMEOUT_MS });
  if (r.code !== 0) {
    if (daemonDown(r.stderr)) throw new DockerDownError(tail(r.stderr, 3));
    throw new ComposeError(`${engine} ps failed (exit ${r.code}): ${tail(r.stderr, 3)}`);
  }
  return parseProjectList(r.stdout);
}
