/**
 * End-to-end helpers: a "remote" stacks repo (a bare git repo fed from a work
 * tree), a temp `base_dir` with its config, and the CLI run as a subprocess
 * exactly as an operator runs it: from the sources, or the built file named by
 * `AUTOSTACK_BIN` (see {@link CLI}).
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

/** The project root (where main.ts lives). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The command line that starts autostack in every e2e test: the built file
 * named by `$AUTOSTACK_BIN` (e.g. `dist/autostack`, relative to the project
 * root) when set, so CI tests what users install; else the sources,
 * `deno run -A --quiet main.ts`.
 */
export const CLI: readonly string[] = cliEntry(Deno.env.get("AUTOSTACK_BIN"));

function cliEntry(bin: string | undefined): string[] {
  if (bin === undefined || bin === "") {
    return [Deno.execPath(), "run", "-A", "--quiet", join(ROOT, "main.ts")];
  }
  const file = resolve(ROOT, bin);
  try {
    Deno.statSync(file);
  } catch {
    throw new Error(`AUTOSTACK_BIN=${bin}: no such file (run \`deno task build\` first)`);
  }
  return [file];
}

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

/** Runs the {@link CLI} with ARGS as a user would, with a clean AUTOSTACK_* environment. */
export async function cli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (!key.startsWith("AUTOSTACK_") || key === "AUTOSTACK_TEST_IMAGE") env[key] = value;
  }
  const out = await new Deno.Command(CLI[0]!, {
    args: [...CLI.slice(1), ...args],
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

/** Starts the CLI like {@link cli} without waiting: the child (for its pid) and its result. */
export function spawnCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): { pid: number; result: Promise<CliResult> } {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (!key.startsWith("AUTOSTACK_") || key === "AUTOSTACK_TEST_IMAGE") env[key] = value;
  }
  const child = new Deno.Command(CLI[0]!, {
    args: [...CLI.slice(1), ...args],
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
