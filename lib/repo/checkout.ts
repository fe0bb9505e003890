/**
 * What discovery (docs/how-it-works.md#discovery) needs from a checkout on
 * disk: a listing of it in git's shape, for `validate`, which has no git; and,
 * for `run` as for `validate`, the YAML texts that decide a file stack's files
 * and the targets of symbolic links. Links are listed and read as links, never
 * followed.
 * @module
 */
import { join } from "node:path";
import { filesToRead, type ListEntry } from "./discover.ts";

/**
 * Lists every folder and file under `root` as git's listing would, sorted:
 * folders as `tree`, files as `blob`, symbolic links as `blob` with mode
 * `120000`. `.git` folders are left out.
 */
export async function listCheckout(root: string): Promise<ListEntry[]> {
  const found: ListEntry[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries: Deno.DirEntry[] = [];
    for await (const entry of Deno.readDir(join(root, relative))) entries.push(entry);
    for (const entry of entries) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory) {
        if (entry.name === ".git") continue;
        found.push({ path, type: "tree" });
        await walk(path);
      } else found.push({ path, type: "blob", mode: entry.isSymlink ? "120000" : "100644" });
    }
  };
  await walk("");
  return found.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/** The texts and link targets discovery reads, from the checkout at `root`. */
export async function readForDiscovery(
  root: string,
  entries: readonly ListEntry[],
): Promise<{ texts: Map<string, string>; links: Map<string, string> }> {
  const texts = new Map<string, string>();
  const links = new Map<string, string>();
  await Promise.all([
    ...filesToRead(entries).map(async (path) => {
      const text = await Deno.readTextFile(join(root, path)).catch(() => undefined);
      if (text !== undefined) texts.set(path, text);
    }),
    ...entries.filter((e) => e.mode === "120000").map(async (e) => {
      const target = await Deno.readLink(join(root, e.path)).catch(() => undefined);
      if (target !== undefined) links.set(e.path, target);
    }),
  ]);
  return { texts, links };
}
