/**
 * End-to-end helpers: a "remote" stacks repo (a bare git repo fed from a work
 * tree), a temp `base_dir` with its config, and the CLI run as a subprocess
 * exactly as an operator runs it.
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { type BadMark, readBad } from "../../lib/bad.ts";
import { type ContainerInfo, parsePs } from "../../lib/compose.ts";
import { type HistoryEntry, parseHistoryLine } from "../../lib/history.ts";
import { daxRunner } from "../../lib/process.ts";
import { COMPOSE, downProject, requireDocker } from "./_docker.ts";

/** The project root (where main.ts lives). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const GIT_ENV = {
  GIT_AUTHOR_NAME: "test",
  GIT_AUTHOR_EMAIL: "test@example.invalid",
  GIT_COMMITTER_NAME: "test",
  GIT_COMMITTER_EMAIL: "test@example.invalid",
};

/** Runs git in `cwd`, failing loudly. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args,
    cwd,
    env: GIT_ENV,
    stderr: "piped",
    stdout: "piped",
  })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text.trim();
}

/** A stacks repo: a bare "remote" and a work tree that pushes to it. */
export class StacksRepo {
  private constructor(readonly root: string, readonly url: string, readonly work: string) {}

  /** Creates a remote with `files` in its first commit on `branch`. */
  static async create(
    files: Record<string, string>,
    branch = "main",
  ): Promise<StacksRepo> {
    const root = await Deno.makeTempDir({ prefix: "autostack-repo-" });
    const url = join(root, "remote.git");
    const work = join(root, "work");
    await git(root, "init", "-q", "--bare", "-b", branch, url);
    await git(root, "init", "-q", "-b", branch, work);
    await git(work, "remote", "add", "origin", url);
    const repo = new StacksRepo(root, url, work);
    await repo.commit(files, "first");
    return repo;
  }

  /** Writes (string) or deletes (null) files, commits and pushes; returns the commit. */
  async commit(files: Record<string, string | null>, message = "change"): Promise<string> {
    for (const [path, text] of Object.entries(files)) {
      const full = join(this.work, path);
      if (text === null) await Deno.remove(full, { recursive: true });
      else {
        await Deno.mkdir(dirname(full), { recursive: true });
        await Deno.writeTextFile(full, text);
      }
    }
    await git(this.work, "add", "-A");
    await git(this.work, "commit", "-q", "--allow-empty", "-m", message);
    const branch = await git(this.work, "rev-parse", "--abbrev-ref", "HEAD");
    await git(this.work, "push", "-q", "origin", branch);
    return await git(this.work, "rev-parse", "HEAD");
  }

  /** The tree hash of `path` at the work tree's HEAD. */
  tree(path: string): Promise<string> {
    return git(this.work, "rev-parse", `HEAD:${path}`);
  }

  /** Removes the repo's folders. */
  async cleanup(): Promise<void> {
    await Deno.remove(this.root, { recursive: true }).catch(() => {});
  }
}

/** A temp folder holding `autostack.yaml` and a `base` state folder. */
export class Workspace {
  private constructor(readonly dir: string) {}

  /** Makes a workspace whose config has `config` (base_dir defaults to `./base`). */
  static async create(config: Record<string, unknown>): Promise<Workspace> {
    const dir = await Deno.makeTempDir({ prefix: "autostack-ws-" });
    const ws = new Workspace(dir);
    await ws.writeConfig({ base_dir: "base", ...config });
    return ws;
  }

  /** The config file's path. */
  get config(): string {
    return join(this.dir, "autostack.yaml");
  }

  /** The state folder. */
  get base(): string {
    return join(this.dir, "base");
  }

  /** Replaces the config file. */
  async writeConfig(config: Record<string, unknown>): Promise<void> {
    await Deno.writeTextFile(this.config, YAML.stringify(config));
  }

  /** Runs the CLI with this workspace's config. */
  run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return cli([...args, "--config", this.config], { env, cwd: this.dir });
  }

  /** Removes the workspace. */
  async cleanup(): Promise<void> {
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/** What a CLI run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno run -A main.ts ARGS` as a user would, with a clean AUTOSTACK_* environment. */
export async function cli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (!key.startsWith("AUTOSTACK_") || key === "AUTOSTACK_TEST_IMAGE") env[key] = value;
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", join(ROOT, "main.ts"), ...args],
    cwd: options.cwd ?? ROOT,
    env: { ...env, ...options.env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** A compose file for a busybox web stack (healthy unless told otherwise). */
export function webCompose(
  options: { image?: string; healthy?: boolean; network?: boolean; extra?: string } = {},
): string {
  const image = options.image ?? Deno.env.get("AUTOSTACK_TEST_IMAGE") ??
    "autostack-test/busybox:latest";
  const probe = options.healthy === false ? "exit 1" : "true";
  return `services:
  web:
    image: ${image}
    init: true
    command: ["sleep", "3600"]
${options.network ? "" : "    network_mode: none\n"}    healthcheck:
      test: ["CMD", "sh", "-c", "${probe}"]
      interval: 1s
      timeout: 2s
      retries: 1
${options.extra ?? ""}`;
}

// ---------------------------------------------------------------------------
// Scenes: a repo, a workspace and the compose projects a `run` test creates.

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
  const image = Deno.env.get("AUTOSTACK_TEST_IMAGE") ?? "autostack-test/busybox:latest";
  return `services:
  app:
    image: ${image}
    init: true
    network_mode: none
    command: ["sh", "-c", ${JSON.stringify(command)}]
${extra}`;
}

/** One outcome line of `run`'s text output: `NAME  RESULT  COMMIT  TIME  MESSAGE`. */
export interface OutcomeLine {
  stack: string;
  result: string;
  commit: string;
  message: string;
}

/** Parses `run`'s stdout into outcome lines. */
export function outcomeLines(stdout: string): OutcomeLine[] {
  return stdout.split("\n").filter((l) => l.trim() !== "").map((line) => {
    const [stack = "", result = "", commit = "", _time = "", ...rest] = line.split(/\s{2,}/);
    return { stack, result, commit, message: rest.join("  ") };
  });
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

/** Starts the CLI like {@link cli} without waiting: the child (for its pid) and its result. */
export function spawnCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): { pid: number; result: Promise<CliResult> } {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (!key.startsWith("AUTOSTACK_") || key === "AUTOSTACK_TEST_IMAGE") env[key] = value;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", join(ROOT, "main.ts"), ...args],
    cwd: options.cwd ?? ROOT,
    env: { ...env, ...options.env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  const result = child.output().then((out) => ({
    code: out.code,
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
  }));
  return { pid: child.pid, result };
}
