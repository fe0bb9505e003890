/**
 * The file moves of a deploy (docs/how-it-works.md#deploy-steps): clearing
 * `running_stacks/NAME` before a new version goes in (files a container wrote
 * are moved aside, never deleted), installing the new files, and keeping the
 * good copy in `good_stacks/NAME`.
 * @module
 */
import { dirname, join } from "node:path";
import { copyDir, copyEntry, listFiles } from "../fsutil.ts";
import type { StatePaths } from "./paths.ts";
import { VERSION_FILE } from "./version.ts";

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
 * into the empty `to` (docs/how-it-works.md#deploy-steps). With `files` (relative paths), only
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

/** Replaces `good_stacks/NAME` with a copy of `running_stacks/NAME` (copy aside, then swap). */
export async function saveGood(paths: StatePaths, name: string): Promise<void> {
  const good = paths.good(name);
  const temp = `${good}.tmp`;
  await Deno.remove(temp, { recursive: true }).catch(() => {});
  await copyDir(paths.running(name), temp);
  await Deno.remove(good, { recursive: true }).catch(() => {});
  await Deno.rename(temp, good);
}
