/**
 * The git clone autostack owns under `base_dir/repo`
 * (docs/how-it-works.md#discovery): clone the first time, then fetch and move
 * to the remote branch; list every tree of a commit in one call; diff two
 * trees. Every call goes through {@link Repo.git}, which redacts credentials
 * from errors and never lets git prompt (cron has no tty).
 * @module
 */
import { join } from "node:path";
import { GitError } from "../errors.ts";
import type { Runner } from "../process.ts";
import { redact } from "../redact.ts";

/**
 * The `url` of `[remote "origin"]` in the text of a clone's `.git/config`, when
 * the file states it plainly: exactly one such line, without quotes,
 * backslashes or comment characters, and no `include` that could override it.
 * Anything else gives `undefined`, and the caller asks `git config` instead.
 */
export function plainOriginUrl(configText: string): string | undefined {
  const urls: string[] = [];
  let inOrigin = false;
  for (const raw of configText.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      if (/^\[\s*include/i.test(line) || /^\[\s*remote\s*\./i.test(line)) return undefined;
      // The section name is case-insensitive, the subsection name ("origin") is not.
      inOrigin = /^\[\s*remote\s+"(.*)"\s*\]$/i.exec(line)?.[1] === "origin";
      continue;
    }
    const url = inOrigin ? /^url\s*=\s*(.*)$/i.exec(line)?.[1] : undefined;
    if (url !== undefined) urls.push(url);
  }
  const [url] = urls;
  return urls.length === 1 && url && !/["\\;#]/.test(url) ? url : undefined;
}

/** The ref autostack fetches the deployed branch into. */
export const DEPLOY_REF = "refs/autostack/deploy";

/** One entry of `git ls-tree -r -t`: a folder (tree) or a file (blob). */
export interface TreeEntry {
  /** `tree`, `blob` or `commit` (a submodule). */
  type: string;
  /** File mode, e.g. `100644`, `040000`, `120000` (symlink). */
  mode: string;
  /** Object hash: for a tree, the version of that folder. */
  hash: string;
  /** Path from the repo root, forward slashes. */
  path: string;
}

/** The commit a run deploys. */
export interface Head {
  /** Commit hash. */
  commit: string;
  /** Hash of the commit's root tree. */
  tree: string;
}

/** Parses `git ls-tree -z` output (NUL-terminated records). Pure. */
export function parseLsTree(stdout: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of stdout.split("\0")) {
    if (record === "") continue;
    const tab = record.indexOf("\t");
    const [mode, type, hash] = record.slice(0, tab).split(" ");
    if (tab < 0 || !mode || !type || !hash) {
      throw new GitError(`git ls-tree: cannot parse line ${JSON.stringify(record)}`);
    }
    entries.push({ mode, type, hash, path: record.slice(tab + 1) });
  }
  return entries;
}

/** The refspec that fetches `branch` (or the remote's default branch) into {@link DEPLOY_REF}. */
export function deployRefspec(branch: string | undefined): string {
  return `+${branch ? `refs/heads/${branch}` : "HEAD"}:${DEPLOY_REF}`;
}

/** A git working copy driven through an injected {@link Runner}. */
export class Repo {
  /**
   * @param runner runs `git`; @param dir the clone's folder; @param askpass the
   * `GIT_ASKPASS` git gets: the operator's own, else `true`, which answers every
   * question with nothing, so a missing credential fails at once instead of
   * waiting for an answer nobody gives under cron.
   */
  constructor(readonly runner: Runner, readonly dir: string, readonly askpass = "true") {}

  /** Runs `git -C dir ARGS`; throws {@link GitError} (redacted) on failure. */
  async git(args: string[], options: { cwd?: string } = {}): Promise<string> {
    const cmd = ["git", ...(options.cwd === undefined ? ["-C", this.dir] : []), ...args];
    const result = await this.runner.run(cmd, {
      cwd: options.cwd,
      // Never wait for a password prompt: under cron nobody answers it.
      env: { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: this.askpass },
    });
    if (result.code !== 0) {
      const detail = lastLines(result.stderr || result.stdout, 3) || `exit code ${result.code}`;
      throw new GitError(redact(`git ${args[0]}: ${detail}`));
    }
    return result.stdout;
  }

  /** The `origin` URL of the clone, or `undefined` when `dir` is not a clone. */
  async originUrl(): Promise<string | undefined> {
    // Reading the file git wrote saves a process on every run; anything unusual asks git.
    const text = await Deno.readTextFile(join(this.dir, ".git", "config")).catch(() => undefined);
    const plain = text === undefined ? undefined : plainOriginUrl(text);
    if (plain !== undefined) return plain;
    const result = await this.runner.run(
      ["git", "-C", this.dir, "config", "--get", "remote.origin.url"],
    );
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  /** Clones `url` into `dir`, which must not exist yet (the caller renames it in place). */
  async clone(url: string): Promise<void> {
    await this.git(["clone", "--quiet", "--no-checkout", "--", url, this.dir], { cwd: "/" });
  }

  /** Fetches `branch` (default: the remote's default branch) into {@link DEPLOY_REF}. */
  async fetch(branch: string | undefined): Promise<void> {
    try {
      await this.git(["fetch", "--quiet", "--no-tags", "origin", deployRefspec(branch)]);
    } catch (error) {
      if (branch && error instanceof GitError && /couldn't find remote ref/i.test(error.message)) {
        throw new GitError(`git fetch: branch "${branch}" does not exist in the repo`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /** The commit and root tree of `ref`, and the commit the working tree is on. */
  async resolve(ref = DEPLOY_REF): Promise<Head & { checkedOut?: string }> {
    // HEAD is asked in the same call to save a process; a fresh clone may lack it.
    const out = await this.git(["rev-parse", ref, `${ref}^{tree}`, "HEAD"])
      .catch(() => this.git(["rev-parse", ref, `${ref}^{tree}`]));
    const [commit, tree, checkedOut] = out.trim().split("\n");
    if (!commit || !tree) throw new GitError(`git rev-parse: no commit for ${ref}`);
    return { commit, tree, checkedOut };
  }

  /** Puts the working tree exactly at `commit`: tracked files only, nothing else. */
  async checkout(commit: string, current: string | undefined): Promise<void> {
    if (current !== commit) {
      await this.git(["checkout", "--quiet", "--force", "--detach", commit]);
    }
    // Scripts run in the clone and may leave files; the clone belongs to autostack.
    await this.git(["clean", "-ffdxq"]);
  }

  /** Every folder and file of `commit`, in one call (`ls-tree -r -t`). */
  async listTree(commit: string): Promise<TreeEntry[]> {
    return parseLsTree(await this.git(["ls-tree", "-r", "-t", "-z", "--full-tree", commit]));
  }

  /** Files that differ between two trees (paths relative to those trees); `undefined` when `from` is unknown here. */
  async changedFiles(from: string, to: string): Promise<string[] | undefined> {
    try {
      const out = await this.git([
        "diff-tree",
        "-r",
        "--name-only",
        "-z",
        "--no-renames",
        from,
        to,
      ]);
      return out.split("\0").filter((p) => p !== "");
    } catch {
      // The old tree is gone (history rewritten and collected): say so, do not fail.
      return undefined;
    }
  }

  /** The files of a tree (relative paths), or `undefined` when it is unknown here. */
  async filesOf(tree: string): Promise<string[] | undefined> {
    try {
      const out = await this.git(["ls-tree", "-r", "-z", "--name-only", tree]);
      return out.split("\0").filter((p) => p !== "");
    } catch {
      return undefined;
    }
  }
}

function lastLines(text: string, count: number): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return lines.slice(-count).join(" | ");
}

/** Options of {@link syncRepo}. */
export interface SyncOptions {
  /** Runs git. */
  runner: Runner;
  /** The clone's folder (`base_dir/repo`). */
  dir: string;
  /** The configured repo URL or path. */
  url: string;
  /** The configured branch; `undefined` means the remote's default branch. */
  branch: string | undefined;
  /** Told when the clone is (re)made. */
  log: (message: string) => void;
  /** The operator's `GIT_ASKPASS`, if set (see {@link Repo}). */
  askpass?: string;
}

/**
 * Brings the clone to the tip of the deployed branch: clones on the first run
 * (into a temporary folder renamed in place, so a killed clone leaves nothing
 * half-made) and again when `repo` changed; otherwise fetches. Returns the
 * commit and every entry of its tree ({@link Repo.listTree}).
 */
export async function syncRepo(
  options: SyncOptions,
): Promise<{ repo: Repo; head: Head; entries: TreeEntry[] }> {
  const repo = new Repo(options.runner, options.dir, options.askpass);
  const origin = await repo.originUrl();
  const clone = origin !== options.url;
  if (clone) {
    if (origin !== undefined) {
      options.log(`repo changed from ${redact(origin)} to ${redact(options.url)}: cloning again`);
    }
    await freshClone(options);
  }
  await repo.fetch(options.branch);
  const head = await repo.resolve();
  // The listing needs the commit, not the work tree: list it while checking out.
  const [entries] = await Promise.all([
    repo.listTree(head.commit),
    // A --no-checkout clone has HEAD at the commit but an empty work tree.
    repo.checkout(head.commit, clone ? undefined : head.checkedOut),
  ]);
  return { repo, head: { commit: head.commit, tree: head.tree }, entries };
}

async function freshClone(options: SyncOptions): Promise<void> {
  const temp = `${options.dir}.tmp`;
  await Deno.remove(temp, { recursive: true }).catch(() => {});
  await new Repo(options.runner, temp, options.askpass).clone(options.url);
  await Deno.remove(options.dir, { recursive: true }).catch(() => {});
  await Deno.rename(temp, options.dir);
}
