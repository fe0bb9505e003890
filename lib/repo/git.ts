/**
 * The git clone autostack owns under `base_dir/repo`
 * (docs/how-it-works.md#discovery): clone the first time, then fetch and move
 * to the remote branch; list every tree of a commit in one call; diff two
 * trees; write the trees of file stacks. Every call goes through {@link
 * Repo.git}, which redacts credentials from errors, never lets git prompt (cron
 * has no tty) and bounds the call in time: a remote that accepts and never
 * answers must not hold the lock for ever.
 * @module
 */
import { join } from "node:path";
import { formatDuration } from "../duration.ts";
import { GitError } from "../errors.ts";
import type { Runner } from "../process.ts";
import { redact } from "../redact.ts";
import type { TreeObject } from "./_tree.ts";

/** How long a clone or fetch may take (docs/how-it-works.md#discovery): `AUTOSTACK_GIT_TIMEOUT` changes it. */
export const REMOTE_TIMEOUT_MS = 5 * 60_000;
/** How long any other git call may take: they only read and write the clone. */
export const LOCAL_TIMEOUT_MS = 60_000;
/** Extra time the runner gives a remote call after `timeout` was due to stop it. */
const KILL_GRACE_S = 5;

/** Time limits and the remote of a {@link Repo}. */
export interface GitLimits {
  /** Limit for clone and fetch, in ms (default {@link REMOTE_TIMEOUT_MS}). */
  remoteMs?: number;
  /** Limit for every other call, in ms (default {@link LOCAL_TIMEOUT_MS}). */
  localMs?: number;
  /** The remote's URL, named (redacted) when a fetch times out. */
  remote?: string;
}

/**
 * The argv of a call that talks to a remote: git under coreutils' `timeout`,
 * which stops the whole process group. Killing git alone leaves its helpers
 * (`git-remote-https`, `ssh`) waiting on the dead remote with git's output
 * pipes open, so the call would still never return.
 */
export function remoteCommand(args: readonly string[], limitMs: number): string[] {
  return ["timeout", `--kill-after=${KILL_GRACE_S}s`, `${limitMs / 1000}s`, "git", ...args];
}

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
  readonly #files = new Map<string, Promise<string[] | undefined>>();
  #listed?: { root: string; entries: readonly TreeEntry[]; trees: Map<string, string> };

  /**
   * @param runner runs `git`; @param dir the clone's folder; @param askpass the
   * `GIT_ASKPASS` git gets: the operator's own, else `true`, which answers every
   * question with nothing, so a missing credential fails at once instead of
   * waiting for an answer nobody gives under cron.
   */
  constructor(
    readonly runner: Runner,
    readonly dir: string,
    readonly askpass = "true",
    readonly limits: GitLimits = {},
  ) {}

  /**
   * Runs `git -C dir ARGS`; throws {@link GitError} (redacted) on failure, and
   * one naming the remote when a call to it (`remote`: its URL) times out.
   */
  async git(
    args: string[],
    options: { cwd?: string; remote?: string; stdin?: string } = {},
  ): Promise<string> {
    const gitArgs = [...(options.cwd === undefined ? ["-C", this.dir] : []), ...args];
    const remote = options.remote !== undefined;
    const limit = remote
      ? this.limits.remoteMs ?? REMOTE_TIMEOUT_MS
      : this.limits.localMs ?? LOCAL_TIMEOUT_MS;
    const result = await this.runner.run(
      remote ? remoteCommand(gitArgs, limit) : ["git", ...gitArgs],
      {
        cwd: options.cwd,
        // Never wait for a password prompt: under cron nobody answers it.
        env: { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: this.askpass },
        timeoutMs: remote ? limit + (KILL_GRACE_S + 5) * 1000 : limit,
        ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
      },
    );
    // 124: stopped by `timeout` or the runner; 137: `timeout` had to kill it.
    if (result.code === 124 || (remote && result.code === 137)) {
      const to = remote ? ` talking to ${redact(options.remote!)}` : "";
      const hint = remote ? " (AUTOSTACK_GIT_TIMEOUT sets the limit)" : "";
      throw new GitError(`git ${args[0]}: timed out after ${formatDuration(limit)}${to}${hint}`);
    }
    if (result.code !== 0) {
      const detail = gitSaid(result.stderr || result.stdout) || `exit code ${result.code}`;
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
      { timeoutMs: this.limits.localMs ?? LOCAL_TIMEOUT_MS },
    );
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  /** Clones `url` into `dir`, which must not exist yet (the caller renames it in place). */
  async clone(url: string): Promise<void> {
    await this.git(["clone", "--quiet", "--no-checkout", "--", url, this.dir], {
      cwd: "/",
      remote: url,
    });
  }

  /** Fetches `branch` (default: the remote's default branch) into {@link DEPLOY_REF}. */
  async fetch(branch: string | undefined): Promise<void> {
    try {
      await this.git(["fetch", "--quiet", "--no-tags", "origin", deployRefspec(branch)], {
        remote: this.limits.remote ?? "origin",
      });
    } catch (error) {
      if (branch && error instanceof GitError && /couldn't find remote ref/i.test(error.message)) {
        throw new GitError(`git fetch: branch "${branch}" does not exist in the repo`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /** The commit and root tree of `ref`. */
  async resolve(ref = DEPLOY_REF): Promise<Head> {
    const out = await this.git(["rev-parse", ref, `${ref}^{tree}`]);
    const [commit, tree] = out.trim().split("\n");
    if (!commit || !tree) throw new GitError(`git rev-parse: no commit for ${ref}`);
    return { commit, tree };
  }

  /**
   * Removes every untracked file of the working tree. Scripts run in the
   * clone and may leave files; the clone belongs to autostack.
   */
  async clean(): Promise<void> {
    await this.git(["clean", "-ffdxq"]);
  }

  /**
   * Puts the working tree's tracked files at `ref` (its untracked ones are
   * {@link clean}'s); files of the old commit that `ref` lacks go.
   */
  async checkout(ref: string): Promise<void> {
    await this.git(["checkout", "--quiet", "--force", "--detach", ref]);
  }

  /** Every folder and file of `commit`, in one call (`ls-tree -r -t`). */
  async listTree(commit: string): Promise<TreeEntry[]> {
    return parseLsTree(await this.git(["ls-tree", "-r", "-t", "-z", "--full-tree", commit]));
  }

  /**
   * Writes tree objects (a file stack's version, docs/how-it-works.md#discovery)
   * into the clone in one call, so that git lists and diffs them like a
   * folder's tree. Each must come out with the hash it was built with.
   */
  async storeTrees(objects: readonly TreeObject[]): Promise<void> {
    const unique = [...new Map(objects.map((o) => [o.hash, o])).values()];
    if (unique.length === 0) return;
    // One tree per group of NUL-terminated records, groups ended by an empty record.
    const stdin = unique.map((o) => o.records.map((r) => `${r}\0`).join("") + "\0").join("");
    const out = await this.git(["mktree", "-z", "--batch"], { stdin });
    const hashes = out.split("\n").filter((line) => line !== "");
    unique.forEach((object, i) => {
      if (hashes[i] !== object.hash) {
        throw new GitError(`git mktree: tree ${object.hash} came out as ${hashes[i] ?? "nothing"}`);
      }
    });
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

  /**
   * Remembers `entries`, the whole listing of root tree `root` (the sync's):
   * the files of that tree or of any folder in it are then read from it
   * instead of asking git again.
   */
  remember(root: string, entries: readonly TreeEntry[]): void {
    const trees = new Map(entries.filter((e) => e.type === "tree").map((e) => [e.hash, e.path]));
    this.#listed = { root, entries, trees };
  }

  /** The files of a tree (relative paths), or `undefined` when it is unknown here. */
  filesOf(tree: string): Promise<string[] | undefined> {
    // A tree hash names its content for good: each tree is listed once per
    // Repo, however many steps (clear, switch, restore) ask for it.
    let files = this.#files.get(tree);
    if (files === undefined) {
      const listed = this.#listedFiles(tree);
      files = listed !== undefined
        ? Promise.resolve(listed)
        : this.git(["ls-tree", "-r", "-z", "--name-only", tree]).then(
          (out) => out.split("\0").filter((p) => p !== ""),
          () => undefined,
        );
      this.#files.set(tree, files);
    }
    return files;
  }

  /** What `ls-tree -r --name-only TREE` prints, from the remembered listing when `tree` is in it. */
  #listedFiles(tree: string): string[] | undefined {
    if (this.#listed === undefined) return undefined;
    const { root, entries, trees } = this.#listed;
    const folder = tree === root ? "" : trees.get(tree);
    if (folder === undefined) return undefined;
    const prefix = folder === "" ? "" : `${folder}/`;
    return entries
      .filter((e) => e.type !== "tree" && e.path.startsWith(prefix))
      .map((e) => e.path.slice(prefix.length));
  }
}

/**
 * What git said, in one line: its last `count` lines, and before them the line
 * that names the cause when git put it first (`ssh: connect to host … refused`
 * ahead of `fatal: Could not read from remote repository.` and two lines of
 * advice), since the last lines alone are only the advice.
 */
export function gitSaid(text: string, count = 3): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const last = lines.slice(-count);
  const cause = lines.slice(0, -count).find((l) => CAUSE.test(l));
  return (cause === undefined ? last : [cause, ...last]).join(" | ");
}

// Lines that say why git failed, as git and ssh word them.
const CAUSE =
  /^(fatal|error|ssh|remote):|Could not resolve|Connection (refused|timed out)|Permission denied/i;

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
  /** Limit for clone and fetch, in ms (default {@link REMOTE_TIMEOUT_MS}). */
  remoteTimeoutMs?: number;
  /**
   * Told once git is at work: the clean has ended and the fetch goes on (a
   * fresh clone: the fetch has been asked for). Not told when the sync fails first.
   */
  underway?: () => void;
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
  const repo = new Repo(options.runner, options.dir, options.askpass, limitsOf(options));
  const origin = await repo.originUrl();
  const clone = origin !== options.url;
  if (clone) {
    if (origin !== undefined) {
      options.log(`repo changed from ${redact(origin)} to ${redact(options.url)}: cloning again`);
    }
    await freshClone(options);
  }
  // Cleaning reads the index and the work tree, fetching writes objects and refs: side by
  // side. A fresh clone has nothing to clean.
  const fetched = repo.fetch(options.branch);
  const cleaned = clone ? Promise.resolve() : repo.clean();
  await Promise.all([fetched, cleaned.then(() => options.underway?.())]);
  // All three only read the deploy ref, which nothing moves but the fetch above.
  const [head, entries] = await Promise.all([
    repo.resolve(),
    repo.listTree(DEPLOY_REF),
    repo.checkout(DEPLOY_REF),
  ]);
  // A deploy lists the new version's files: its folder is in this listing already.
  repo.remember(head.tree, entries);
  return { repo, head, entries };
}

async function freshClone(options: SyncOptions): Promise<void> {
  const temp = `${options.dir}.tmp`;
  await Deno.remove(temp, { recursive: true }).catch(() => {});
  await new Repo(options.runner, temp, options.askpass, limitsOf(options)).clone(options.url);
  await Deno.remove(options.dir, { recursive: true }).catch(() => {});
  await Deno.rename(temp, options.dir);
}

function limitsOf(options: SyncOptions): GitLimits {
  return { remoteMs: options.remoteTimeoutMs, remote: options.url };
}
