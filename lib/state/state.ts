/**
 * The state folders of SPEC 2 under `base_dir`: where each piece lives,
 * `version.txt` (read, written atomically, parsed purely), and the two file
 * moves of a deploy: clearing `running_stacks/NAME` (step 7, orphans kept) and
 * installing the new files (step 8).
 * @module
 */
import { dirname, join } from "node:path";
import { AutostackError } from "../errors.ts";
import { copyDir, copyEntry, listFiles, readTextOrUndefined, writeFileAtomic } from "../fsutil.ts";

/** Where each piece of state lives under `base_dir`. */
export interface StatePaths {
  /** `base_dir` itself. */
  base: string;
  /** The clone of the stacks repo. */
  repo: string;
  /** `running_stacks/`, the parent of every {@link running} folder. */
  runningRoot: string;
  /** `good_stacks/`, the parent of every {@link good} folder. */
  goodRoot: string;
  /** The files of the version of `name` that is deployed now. */
  running(name: string): string;
  /** The last version of `name` seen healthy. */
  good(name: string): string;
  /** Where files a container left in `running_stacks/NAME` are moved aside. */
  orphans(name: string): string;
  /** `bad.json`. */
  bad: string;
  /** `history.jsonl`. */
  history: string;
  /** `autostack.lock`. */
  lock: string;
}

/** The file in a stack's state folder that names the version it holds. */
export const VERSION_FILE = "version.txt";

/** Builds the {@link StatePaths} of `baseDir`. */
export function statePaths(baseDir: string): StatePaths {
  const runningRoot = join(baseDir, "running_stacks");
  const goodRoot = join(baseDir, "good_stacks");
  return {
    base: baseDir,
    repo: join(baseDir, "repo"),
    runningRoot,
    goodRoot,
    running: (name) => join(runningRoot, checkName(name)),
    good: (name) => join(goodRoot, checkName(name)),
    orphans: (name) => join(baseDir, "orphans", checkName(name)),
    bad: join(baseDir, "bad.json"),
    history: join(baseDir, "history.jsonl"),
    lock: join(baseDir, "autostack.lock"),
  };
}

/** A stack name becomes a folder name: refuse one that would leave its parent. */
function checkName(name: string): string {
  if (name === "" || name === "." || name === ".." || name.includes("/")) {
    throw new AutostackError(`invalid stack name for a state folder: ${JSON.stringify(name)}`);
  }
  return name;
}

/** What `version.txt` says about the version in a state folder. */
export interface VersionInfo {
  /** The commit the files were taken from. */
  commit: string;
  /** The git tree hash of the stack folder at that commit: the version. */
  tree: string;
  /** True while a deploy of this version is in flight (SPEC 5 "Interrupted deploys"). */
  pending: boolean;
  /** When the in-flight deploy started (ISO time), when {@link pending}. */
  startedAt?: string;
  /**
   * The compose project these files run as, when it is not the stack name: a
   * canary switch leaves the stack live under its second project name (SPEC 5).
   */
  project?: string;
}

const HASH = /^[0-9a-f]{4,64}$/;
const TREE_LINE = /^tree ([0-9a-f]{4,64})$/;
const PENDING_LINE = /^pending(?:\s+(\S+))?$/;
const PROJECT_LINE = /^project ([a-z0-9][a-z0-9_-]*)$/;

/**
 * Parses `version.txt`: line 1 the commit, line 2 `tree <hash>`, then
 * optionally a line `pending <ISO time>` and a line `project NAME`, in that
 * order. Returns `undefined` for anything else, which callers treat as "no
 * known version" (and so deploy again).
 */
export function parseVersionFile(text: string): VersionInfo | undefined {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  if (lines.length < 2 || lines.length > 4) return undefined;
  const [commit = "", treeLine = "", ...rest] = lines;
  const tree = TREE_LINE.exec(treeLine)?.[1];
  if (!HASH.test(commit) || tree === undefined) return undefined;
  const project = rest.length > 0 ? PROJECT_LINE.exec(rest.at(-1)!)?.[1] : undefined;
  if (project !== undefined) rest.pop();
  const named = project === undefined ? {} : { project };
  const [pendingLine] = rest;
  if (rest.length > 1) return undefined;
  if (pendingLine === undefined) return { commit, tree, pending: false, ...named };
  const pending = PENDING_LINE.exec(pendingLine);
  if (!pending) return undefined;
  const startedAt = pending[1];
  if (startedAt === undefined) return { commit, tree, pending: true, ...named };
  if (Number.isNaN(Date.parse(startedAt))) return undefined;
  return { commit, tree, pending: true, startedAt, ...named };
}

/** Formats a {@link VersionInfo} as `version.txt` text (the inverse of {@link parseVersionFile}). */
export function formatVersionFile(v: VersionInfo): string {
  let text = `${v.commit}\ntree ${v.tree}\n`;
  if (v.pending) text += v.startedAt === undefined ? "pending\n" : `pending ${v.startedAt}\n`;
  if (v.project !== undefined) text += `project ${v.project}\n`;
  return text;
}

/** Reads `dir/version.txt`; `undefined` when it is missing or unreadable as a version. */
export async function readVersion(dir: string): Promise<VersionInfo | undefined> {
  const text = await readTextOrUndefined(join(dir, VERSION_FILE));
  return text === undefined ? undefined : parseVersionFile(text);
}

/** Writes `dir/version.txt` atomically. */
export async function writeVersion(dir: string, v: VersionInfo): Promise<void> {
  await writeFileAtomic(join(dir, VERSION_FILE), formatVersionFile(v));
}

/**
 * Every folder under `running_stacks/`, by name, with its version; a folder
 * without a readable `version.txt` (a copy cut short) maps to `undefined`.
 */
export async function readDeployed(
  paths: StatePaths,
): Promise<Map<string, VersionInfo | undefined>> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(paths.runningRoot)) {
      if (entry.isDirectory) names.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  // Read side by side: a host with hundreds of stacks reads hundreds of small files each run.
  const versions = await Promise.all(names.sort().map((name) => readVersion(paths.running(name))));
  return new Map(names.map((name, i) => [name, versions[i]]));
}

/**
 * Empties `dir` before a new version goes in (SPEC 5 step 7): deletes
 * `version.txt` and the files the old version shipped, and moves every other
 * file (one a container wrote there) into `orphansDir` under the same relative
 * path, never deleting it. `shipped === undefined` means the old file list is
 * unknown, so everything but `version.txt` is moved aside. Emptied folders are
 * removed; `dir` is left empty (and created when missing). `orphansDir` is
 * created only when something is moved. Returns the relative paths moved.
 */
export async function clearRunning(
  dir: string,
  shipped: Set<string> | undefined,
  orphansDir: string,
): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const moved: string[] = [];
  for (const file of await listFiles(dir)) {
    const path = join(dir, file);
    if (file === VERSION_FILE || shipped?.has(file)) {
      await Deno.remove(path);
    } else {
      await moveAside(path, join(orphansDir, file));
      moved.push(file);
    }
  }
  await removeEmptyFolders(dir);
  return moved;
}

/** Moves one file; across file systems (a bind-mounted base_dir) it copies, then removes. */
async function moveAside(from: string, to: string): Promise<void> {
  await Deno.mkdir(dirname(to), { recursive: true });
  try {
    await Deno.rename(from, to);
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "EXDEV")) throw error;
    await copyEntry(from, to);
    await Deno.remove(from);
  }
}

/** Removes the folders under `dir`, deepest first; a non-recursive remove fails on a non-empty one. */
async function removeEmptyFolders(dir: string): Promise<void> {
  const folders: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) folders.push(join(dir, entry.name));
  }
  for (const sub of folders) {
    await removeEmptyFolders(sub);
    await Deno.remove(sub);
  }
}

/**
 * Copies the new version's files from `from` (the stack folder in the clone)
 * into the empty `to` (SPEC 5 step 8). With `files` (relative paths), only
 * those are copied; otherwise the whole folder. Modes and symlinks are kept.
 */
export async function installFiles(from: string, to: string, files?: string[]): Promise<void> {
  if (files === undefined) return await copyDir(from, to);
  await Deno.mkdir(to, { recursive: true });
  for (const file of files) {
    const target = join(to, file);
    await Deno.mkdir(dirname(target), { recursive: true });
    await copyEntry(join(from, file), target);
  }
}
