/**
 * The file moves of a deploy (docs/how-it-works.md#deploy-steps): clearing
 * `running_stacks/NAME` before a new version goes in (files a container wrote
 * are moved aside, never deleted), installing the new files, and keeping the
 * good copy in `good_stacks/NAME`.
 * @module
 */
import { basename, dirname, join } from "node:path";
import { copyDir, copyEntry, listFiles } from "../fsutil.ts";
import type { StatePaths } from "./paths.ts";
import { readVersion, VERSION_FILE, type VersionInfo } from "./version.ts";
import { samePins } from "./pins.ts";

/**
 * Empties `dir` before a new version goes in (docs/how-it-works.md#deploy-steps): deletes
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
    if (isGenerated(file) || shipped?.has(file)) {
      await Deno.remove(path);
    } else {
      await moveAside(path, join(orphansDir, file));
      moved.push(file);
    }
  }
  await removeEmptyFolders(dir);
  return moved;
}

/**
 * What autostack itself writes into a copy (`version.txt`, and the compose
 * overrides it generates, named `.autostack-*`): deleted on clearing, never
 * taken for a file a container wrote.
 */
export function isGenerated(file: string): boolean {
  return file === VERSION_FILE || basename(file).startsWith(GENERATED_PREFIX);
}

/** The name prefix of the compose overrides autostack writes into a copy. */
export const GENERATED_PREFIX = ".autostack-";

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
 * into the empty `to` (docs/how-it-works.md#deploy-steps). With `files` (relative paths), only
 * those are copied; otherwise the whole folder. Modes and symlinks are kept, the
 * folder's own too (a copy holding secrets is `0700`, docs/secrets.md).
 */
export async function installFiles(from: string, to: string, files?: string[]): Promise<void> {
  if (files === undefined) return await copyDir(from, to);
  await Deno.mkdir(to, { recursive: true });
  const mode = (await Deno.stat(from)).mode;
  if (mode !== null) await Deno.chmod(to, mode & 0o7777);
  for (const file of files) {
    const target = join(to, file);
    await Deno.mkdir(dirname(target), { recursive: true });
    await copyEntry(join(from, file), target);
  }
}

/**
 * Replaces `good_stacks/NAME` with a copy of `running_stacks/NAME` (copy
 * aside, then swap). With `keep` > 1 the good version it replaces, when it is
 * another version, becomes a release (docs/how-it-works.md#releases), and only
 * the `keep - 1` newest releases are kept.
 */
export async function saveGood(paths: StatePaths, name: string, keep = 1): Promise<void> {
  const good = paths.good(name);
  const temp = `${good}.tmp`;
  await Deno.remove(temp, { recursive: true }).catch(() => {});
  await copyDir(paths.running(name), temp);
  const [before, now] = await Promise.all([readVersion(good), readVersion(temp)]);
  // Another digest behind the same tree is another version too (docs/image-updates.md).
  const same = before !== undefined && now !== undefined && before.tree === now.tree &&
    samePins(before.images ?? [], now.images ?? []);
  if (keep > 1 && before !== undefined && !same) {
    await keepRelease(paths, name, good, before, keep - 1);
  } else {
    await Deno.remove(good, { recursive: true }).catch(() => {});
  }
  await Deno.rename(temp, good);
}

/** A kept healthy version of a stack, older than its good one. */
export interface Release {
  /** Its folder under {@link StatePaths.releases}. */
  dir: string;
  /** What its `version.txt` says. */
  version: VersionInfo;
}

/** The releases of `name`, newest first; folders without a readable version are left out. */
export async function listReleases(paths: StatePaths, name: string): Promise<Release[]> {
  const root = paths.releases(name);
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(root)) if (entry.isDirectory) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  // Folder names start with a sequence number: the name order is the age order.
  names.sort().reverse();
  const found = await Promise.all(names.map(async (n) => {
    const version = await readVersion(join(root, n));
    return version === undefined ? [] : [{ dir: join(root, n), version }];
  }));
  return found.flat();
}

/**
 * Makes the release in `dir` the good version, and the good version a
 * release, so that a rollback puts it back the way it puts back any good copy.
 */
export async function promoteRelease(paths: StatePaths, name: string, dir: string): Promise<void> {
  const good = paths.good(name);
  const before = await readVersion(good);
  const aside = `${good}.promoting`;
  await Deno.remove(aside, { recursive: true }).catch(() => {});
  await Deno.rename(dir, aside);
  if (before !== undefined) await keepRelease(paths, name, good, before, Infinity);
  else await Deno.remove(good, { recursive: true }).catch(() => {});
  await Deno.rename(aside, good);
}

/** Moves the good copy `good` (at `version`) into the releases, then keeps the `keep` newest. */
async function keepRelease(
  paths: StatePaths,
  name: string,
  good: string,
  version: VersionInfo,
  keep: number,
): Promise<void> {
  const root = paths.releases(name);
  await Deno.mkdir(root, { recursive: true });
  const newest = (await listReleases(paths, name))[0]?.dir;
  const seq = newest === undefined ? 0 : Number.parseInt(basename(newest), 10) + 1;
  const folder = `${String(seq).padStart(6, "0")}-${version.commit.slice(0, 12)}`;
  await Deno.rename(good, join(root, folder));
  for (const old of (await listReleases(paths, name)).slice(keep)) {
    await Deno.remove(old.dir, { recursive: true });
  }
}
