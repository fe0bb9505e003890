/**
 * Small file-system helpers the state modules share: read-or-undefined, atomic
 * writes, a mode- and symlink-preserving directory copy, and file listings.
 * They act and then catch (`NotFound`, `AlreadyExists`) instead of checking
 * first, so a file that appears or vanishes in between is not a surprise.
 * @module
 */
import { basename, dirname, join } from "node:path";

/** Reads a UTF-8 file, or returns `undefined` when it does not exist. */
export async function readTextOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Writes `text` to `path` atomically: a temp file in the same folder (so the
 * rename never crosses file systems), flushed to disk, then renamed over
 * `path`. A reader sees the old content or the new one, never half of it.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${crypto.randomUUID()}.tmp`);
  try {
    const file = await Deno.open(temp, { write: true, createNew: true, mode: 0o644 });
    try {
      await writeAll(file, new TextEncoder().encode(text));
      // Without the fsync a crash right after the rename can leave an empty file.
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
  } catch (error) {
    await removeIfExists(temp);
    throw error;
  }
  await syncDir(dir);
}

/**
 * Copies the folder `from` into `to` (created when missing), recursively.
 * File and folder modes are kept; symlinks are copied as links, never followed,
 * so a link in a stack cannot pull files from outside it.
 */
export async function copyDir(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  await Deno.mkdir(to, { recursive: true });
  if (info.mode !== null) await Deno.chmod(to, info.mode & 0o7777);
  for await (const entry of Deno.readDir(from)) {
    await copyEntry(join(from, entry.name), join(to, entry.name));
  }
}

/**
 * Copies one file, link or folder from `from` to `to`; parents of `to` must
 * exist. Used by {@link copyDir} and to copy a chosen list of files.
 */
export async function copyEntry(from: string, to: string): Promise<void> {
  const info = await Deno.lstat(from);
  if (info.isSymlink) {
    await Deno.symlink(await Deno.readLink(from), to);
  } else if (info.isDirectory) {
    await copyDir(from, to);
  } else {
    await Deno.copyFile(from, to);
    // copyFile keeps the mode on Linux, but an umask or an older Deno may not.
    if (info.mode !== null) await Deno.chmod(to, info.mode & 0o7777);
  }
}

/**
 * Lists every non-folder entry under `dir` (files and symlinks, links not
 * followed) as sorted relative paths with forward slashes. A missing `dir`
 * lists as empty.
 */
export async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for await (const entry of Deno.readDir(join(dir, relative))) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else found.push(path);
    }
  };
  try {
    await walk("");
  } catch (error) {
    // Only a missing `dir` itself means "empty"; a sub-folder vanishing mid-walk is news.
    if (!(error instanceof Deno.errors.NotFound) || await exists(dir)) throw error;
  }
  return found.sort();
}

/** Removes a file or folder (recursively); returns `false` when it was not there. */
export async function removeIfExists(path: string): Promise<boolean> {
  try {
    await Deno.remove(path, { recursive: true });
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Writes all of `bytes`; a single `write` may write less than asked. */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await file.write(bytes.subarray(done));
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Flushes a folder so a rename in it survives a power cut; best effort. */
async function syncDir(dir: string): Promise<void> {
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a folder; the rename itself is still atomic.
  } finally {
    handle?.close();
  }
}
