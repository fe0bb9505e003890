/**
 * Watched folders → stacks (docs/how-it-works.md#discovery), decided purely
 * from the commit's tree listing: a stack is an immediate subfolder of a
 * watched folder (or the watched folder itself) holding a compose file. The
 * listing also carries each folder's tree hash, so every stack's version comes
 * from the same one git call.
 * @module
 */
import type { TreeEntry } from "./git.ts";
import { compareNames, normalizeName } from "../names.ts";

/** Compose file names, in the order as docs/how-it-works.md#discovery lists them. */
export const COMPOSE_FILES = [
  "compose.yaml",
  "compose.yml",
  "docker-compose.yaml",
  "docker-compose.yml",
] as const;

/** A stack found in the repo at one commit. */
export interface Stack {
  /** Compose project name (normalised folder name). */
  name: string;
  /** Folder from the repo root (`stacks/web`; `.` for the root). */
  path: string;
  /** The compose file's name inside the folder. */
  composeFile: string;
  /** Git tree hash of the folder: the stack's version. */
  tree: string;
}

/** The outcome of discovery: stacks, and problems that refuse some of them. */
export interface Discovery {
  /** Stacks that may be planned. */
  stacks: Stack[];
  /** One line per problem (missing watched folder, name clash, bad name). */
  errors: string[];
}

function isHidden(path: string): boolean {
  return path.split("/").some((part) => part.startsWith("."));
}

function cleanFolder(folder: string): string {
  const trimmed = folder.replace(/^\.\/+/, "").replace(/\/+$/, "");
  return trimmed === "" ? "." : trimmed;
}

/**
 * Finds the stacks under `folders` in a tree listing. `rootTree` is the
 * commit's root tree hash and `repoName` names a stack at the repo root.
 */
export function discoverStacks(
  entries: readonly TreeEntry[],
  folders: readonly string[],
  rootTree: string,
  repoName: string,
): Discovery {
  const trees = new Map<string, string>([[".", rootTree]]);
  const files = new Map<string, Set<string>>();
  for (const entry of entries) {
    if (entry.type === "tree") trees.set(entry.path, entry.hash);
    if (entry.type !== "blob") continue;
    const slash = entry.path.lastIndexOf("/");
    const dir = slash < 0 ? "." : entry.path.slice(0, slash);
    const set = files.get(dir) ?? new Set<string>();
    set.add(entry.path.slice(slash + 1));
    files.set(dir, set);
  }
  const errors: string[] = [];
  const found = new Map<string, Stack>();
  const candidate = (path: string) => {
    const names = files.get(path);
    const composeFile = COMPOSE_FILES.find((f) => names?.has(f));
    if (!composeFile || found.has(path)) return;
    const base = path === "." ? repoName : path.slice(path.lastIndexOf("/") + 1);
    found.set(path, { name: normalizeName(base), path, composeFile, tree: trees.get(path)! });
  };
  for (const raw of folders) {
    const folder = cleanFolder(raw);
    if (!trees.has(folder)) {
      errors.push(`watched folder "${raw}" does not exist in the repo`);
      continue;
    }
    candidate(folder);
    const prefix = folder === "." ? "" : `${folder}/`;
    for (const path of trees.keys()) {
      const rest = path.slice(prefix.length);
      if (path.startsWith(prefix) && rest !== "" && !rest.includes("/") && !isHidden(rest)) {
        candidate(path);
      }
    }
  }
  return refuseClashes([...found.values()], errors);
}

function refuseClashes(stacks: Stack[], errors: string[]): Discovery {
  const byName = new Map<string, Stack[]>();
  for (const stack of stacks) {
    if (stack.name === "") {
      errors.push(`stack folder "${stack.path}": its name has no letter or digit`);
      continue;
    }
    byName.set(stack.name, [...(byName.get(stack.name) ?? []), stack]);
  }
  const kept: Stack[] = [];
  for (const [name, group] of byName) {
    if (group.length === 1) kept.push(group[0]!);
    else {
      const paths = group.map((s) => `"${s.path}"`).join(" and ");
      errors.push(`stack "${name}": folders ${paths} have the same project name; both refused`);
    }
  }
  kept.sort(compareNames);
  return { stacks: kept, errors };
}

/** A name for the repo, from its URL or path (`git@host:me/stacks.git` → `stacks`). */
export function repoName(url: string): string {
  const last = url.replace(/[/\\]+$/, "").split(/[/:\\]/).pop() ?? "";
  return last.replace(/\.git$/, "") || "stack";
}
