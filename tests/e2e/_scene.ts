/**
 * Scenes for the `autostack run` e2e tests: a stacks repo and a workspace
 * whose config points at it, the stack names handed out (each taken down with
 * its volumes at the end), and readers of what a run left behind: history,
 * bad marks, version.txt, the containers' real state.
 * @module
 */
import { join } from "node:path";
import YAML from "yaml";
import { type BadMark, parseHistoryLine, readBad } from "../../lib/state/mod.ts";
import { type ContainerInfo, parsePs } from "../../lib/docker/mod.ts";
import { daxRunner } from "../../lib/process.ts";
import { COMPOSE, downProject, requireDocker, TEST_IMAGE } from "./_docker.ts";
import { type CliResult, StacksRepo, Workspace } from "./_harness.ts";
import type { HistoryEntry } from "../../lib/outcome.ts";

/** A unique stack (and so compose project) name: `e2e<random>` plus `tag`, lowercase. */
export function stackName(tag = ""): string {
  return `e2e${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}${tag}`;
}

/**
 * The files of stack folder `name`: its compose file and a `deploy.yaml` with
 * `health_timeout: 3s` (tests want failures fast) plus `settings`.
 */
export function stackFiles(
  name: string,
  compose: string,
  settings: Record<string, unknown> = {},
): Record<string, string> {
  return {
    [`${name}/compose.yaml`]: compose,
    [`${name}/deploy.yaml`]: YAML.stringify({ health_timeout: "3s", ...settings }),
  };
}

/** A compose file with one busybox service running `command`, no network, with `extra` YAML lines. */
export function shCompose(command: string, extra = ""): string {
  return `services:
  app:
    image: ${TEST_IMAGE}
    init: true
    network_mode: none
    command: ["sh", "-c", ${JSON.stringify(command)}]
${extra}`;
}

/**
 * One outcome of `run`'s text output: a success is a stdout row
 * `NAME  RESULT  COMMIT  TIME  MESSAGE`, a failure only a stderr line
 * `autostack: stack "NAME": RESULT: MESSAGE (commit COMMIT)`.
 */
export interface OutcomeLine {
  stack: string;
  result: string;
  commit: string;
  message: string;
}

const FAILURE_LINE = /^autostack: stack "([^"]+)": ([a-z_]+): (.*?)(?: \(commit ([0-9a-f]+)\))?$/;

/** `run`'s outcomes: stdout's rows, then stderr's failure lines, each in its order. */
export function outcomeLines(r: { stdout: string; stderr: string }): OutcomeLine[] {
  const done = r.stdout.split("\n").filter((l) => l.trim() !== "").map((line) => {
    const [stack = "", result = "", commit = "", _time = "", ...rest] = line.split(/\s{2,}/);
    return { stack, result, commit, message: rest.join("  ") };
  });
  const failed = r.stderr.split("\n").flatMap((line) => {
    const m = FAILURE_LINE.exec(line);
    return m ? [{ stack: m[1]!, result: m[2]!, commit: m[4] ?? "", message: m[3]! }] : [];
  });
  return [...done, ...failed];
}

/**
 * An end-to-end scene: a stacks repo (first commit: a README), a workspace
 * whose config points at it, and every stack name handed out, so that
 * {@link Scene.close} can take each project down with its volumes.
 */
export class Scene {
  readonly #names: string[] = [];
  private constructor(readonly repo: StacksRepo, readonly ws: Workspace) {}

  /** Creates the repo and the workspace; `config` is merged over `{ repo }`. */
  static async open(config: Record<string, unknown> = {}): Promise<Scene> {
    const repo = await StacksRepo.create({ "README.md": "stacks\n" });
    const ws = await Workspace.create({ repo: repo.url, ...config });
    return new Scene(repo, ws);
  }

  /** A unique stack name, taken down when the scene closes. */
  name(tag = ""): string {
    const name = stackName(tag);
    this.#names.push(name);
    return name;
  }

  /** Commits and pushes files (null deletes); returns the commit. */
  commit(files: Record<string, string | null>): Promise<string> {
    return this.repo.commit(files);
  }

  /** `autostack run ARGS --config …`, timed. */
  async run(args: string[] = [], env: Record<string, string> = {}): Promise<TimedResult> {
    const started = performance.now();
    const result = await this.ws.run(["run", ...args], env);
    return { ...result, ms: performance.now() - started };
  }

  /** history.jsonl, oldest first (every line must be a valid entry). */
  async history(): Promise<HistoryEntry[]> {
    const text = await Deno.readTextFile(join(this.ws.base, "history.jsonl")).catch(() => "");
    return text.split("\n").filter((l) => l !== "").map((line) => {
      const entry = parseHistoryLine(line);
      if (entry === undefined) throw new Error(`invalid history line: ${line}`);
      return entry;
    });
  }

  /** bad.json's marks (none when it is missing). */
  bad(): Promise<Record<string, BadMark>> {
    return readBad(join(this.ws.base, "bad.json"));
  }

  /** The lines of `running_stacks/NAME/version.txt` (trailing blank dropped). */
  async version(name: string, folder = "running_stacks"): Promise<string[]> {
    const text = await Deno.readTextFile(join(this.ws.base, folder, name, "version.txt"));
    return text.replace(/\n$/, "").split("\n");
  }

  /** Takes down every named project (`down -v`) and removes the repo and workspace. */
  async close(): Promise<void> {
    const failures: string[] = [];
    for (const name of this.#names) {
      await downProject(name).catch((e) => failures.push(String(e)));
    }
    await this.repo.cleanup();
    await this.ws.cleanup();
    if (failures.length > 0) throw new Error(failures.join("\n"));
  }
}

/** A {@link CliResult} with its wall time. */
export interface TimedResult extends CliResult {
  /** Wall time of the subprocess, in milliseconds. */
  ms: number;
}

/** Checks Docker, opens a {@link Scene}, runs `fn` and always closes the scene. */
export async function withScene(
  config: Record<string, unknown>,
  fn: (scene: Scene) => Promise<void>,
): Promise<void> {
  await requireDocker();
  const scene = await Scene.open(config);
  try {
    await fn(scene);
  } finally {
    await scene.close();
  }
}

/** The containers of `project` as `docker compose -p NAME ps -a --format json` reports them. */
export async function containersOf(project: string): Promise<ContainerInfo[]> {
  const r = await daxRunner.run([...COMPOSE, "-p", project, "ps", "-a", "--format", "json"]);
  if (r.code !== 0) throw new Error(`compose ps ${project}: ${r.stderr}`);
  return parsePs(r.stdout);
}

/** The running container of `name`: its id and when it last started (to tell it was not touched). */
export async function live(name: string): Promise<{ id: string; started: string }> {
  const [container] = await containersOf(name);
  if (container === undefined) throw new Error(`no container of ${name}`);
  const r = await daxRunner.run([
    "docker",
    "inspect",
    "--format",
    "{{.State.StartedAt}}",
    container.id,
  ]);
  if (r.code !== 0) throw new Error(`docker inspect ${container.id}: ${r.stderr}`);
  return { id: container.id, started: r.stdout.trim() };
}

/** Polls {@link containersOf} until `ok` holds (or throws with the last look after `timeoutMs`). */
export async function waitContainers(
  project: string,
  ok: (containers: ContainerInfo[]) => boolean,
  timeoutMs = 15_000,
): Promise<ContainerInfo[]> {
  const end = performance.now() + timeoutMs;
  while (true) {
    const seen = await containersOf(project);
    if (ok(seen)) return seen;
    if (performance.now() > end) {
      throw new Error(`${project}: containers never matched: ${JSON.stringify(seen)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Whether every container is running and (when it has a healthcheck) healthy. */
export function allHealthy(containers: ContainerInfo[]): boolean {
  return containers.length > 0 &&
    containers.every((c) => c.state === "running" && (c.health === "" || c.health === "healthy"));
}

/** Mounts a tmpfs of `size` on `dir` (root only), runs `fn`, and always unmounts it. */
export async function withTmpfs(dir: string, size: string, fn: () => Promise<void>): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir],
    stderr: "piped",
  }).output();
  if (!mount.success) {
    throw new Error(`mount tmpfs on ${dir}: ${new TextDecoder().decode(mount.stderr)}`);
  }
  try {
    await fn();
  } finally {
    await new Deno.Command("umount", { args: [dir] }).output();
  }
}
