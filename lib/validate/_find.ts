/**
 * Private to `validate.ts`: which folders of a stacks checkout are stacks. The
 * checkout is a plain folder (no git needed), listed once by {@link
 * listCheckout}; {@link findStackFolders} then decides purely from that
 * listing, with the rules of docs/how-it-works.md#discovery: compose file
 * names, normalised names, clashes refused.
 * @module
 */
import { join, posix } from "node:path";
import { COMPOSE_FILES } from "../repo/mod.ts";
import { normalizeName } from "../names.ts";
import type { Finding, Place } from "./_model.ts";

/** A stack folder found in the checkout. */
export interface StackFolder {
  /** Compose project name (normalised folder name). */
  name: string;
  /** Folder from the checkout root (`stacks/web`; `.` for the root). */
  path: string;
  /** The compose file's name inside the folder. */
  composeFile: string;
}

/** Deploy settings file names (docs/stack-settings.md). */
const DEPLOY_FILES = ["deploy.yaml", "deploy.yml"];

/**
 * Lists every file under `root` as sorted relative paths with forward slashes.
 * `.git` folders are skipped; symlinks are listed, never followed, so a link
 * loop cannot hang the walk. Hidden files are kept: they may be shipped files.
 */
export async function listCheckout(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries: Deno.DirEntry[] = [];
    for await (const entry of Deno.readDir(join(root, relative))) entries.push(entry);
    for (const entry of entries) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory) {
        if (entry.name !== ".git") await walk(path);
      } else found.push(path);
    }
  };
  await walk("");
  return found.sort();
}

/** Folder → names of the files directly in it, with every ancestor folder present. */
function indexFolders(files: readonly string[]): Map<string, Set<string>> {
  const folders = new Map<string, Set<string>>([[".", new Set()]]);
  for (const file of files) {
    const dir = posix.dirname(file);
    const names = folders.get(dir) ?? new Set<string>();
    names.add(posix.basename(file));
    folders.set(dir, names);
    for (let up = posix.dirname(dir); !folders.has(up); up = posix.dirname(up)) {
      folders.set(up, new Set());
    }
  }
  return folders;
}

function isHidden(path: string): boolean {
  return path !== "." && path.split("/").some((part) => part.startsWith("."));
}

function cleanFolder(folder: string): string {
  const trimmed = folder.replace(/^\.\/+/, "").replace(/\/+$/, "");
  return trimmed === "" ? "." : trimmed;
}

/** The folders to look at: every non-hidden one, or the watched folders and their children. */
function candidates(
  folders: Map<string, Set<string>>,
  watched: readonly string[] | undefined,
  config: Place,
): { paths: string[]; findings: Finding[] } {
  const all = [...folders.keys()].filter((path) => !isHidden(path));
  if (watched === undefined) return { paths: all, findings: [] };
  const paths = new Set<string>();
  const findings: Finding[] = [];
  for (const raw of watched) {
    const folder = cleanFolder(raw);
    if (!folders.has(folder)) {
      const message = `watched folder "${raw}" does not exist in the checkout`;
      findings.push({ level: "error", rule: "missing-folder", folder, ...config, message });
      continue;
    }
    paths.add(folder);
    for (const path of all) {
      if (path !== "." && posix.dirname(path) === folder) paths.add(path);
    }
  }
  return { paths: [...paths], findings };
}

/**
 * Decides which folders are stacks. `watched` is the config's `folders`
 * (`undefined`: every folder holding a compose file, at any depth, hidden
 * ones skipped); `rootName` names a stack at the checkout root; `config` is
 * where the watched folders are written, blamed for one that is missing.
 */
export function findStackFolders(
  files: readonly string[],
  watched: readonly string[] | undefined,
  rootName: string,
  config: Place = { file: "" },
): { stacks: StackFolder[]; findings: Finding[] } {
  const folders = indexFolders(files);
  const { paths, findings } = candidates(folders, watched, config);
  const stacks: StackFolder[] = [];
  for (const path of paths.sort()) {
    const names = folders.get(path) ?? new Set<string>();
    const composeFile = COMPOSE_FILES.find((f) => names.has(f));
    const deployFile = DEPLOY_FILES.find((f) => names.has(f));
    if (composeFile !== undefined) {
      const base = path === "." ? rootName : posix.basename(path);
      stacks.push({ name: normalizeName(base), path, composeFile });
    } else if (deployFile !== undefined) {
      findings.push({
        level: "error",
        rule: "missing-compose",
        folder: path,
        file: posix.join(path, deployFile),
        message: `deploy settings but no compose file (${COMPOSE_FILES.join(", ")})`,
      });
    }
  }
  return { stacks, findings: [...findings, ...nameClashes(stacks)] };
}

/** Errors for names compose cannot use and for two folders that give the same project name. */
function nameClashes(stacks: readonly StackFolder[]): Finding[] {
  const findings: Finding[] = [];
  const byName = new Map<string, StackFolder[]>();
  for (const stack of stacks) {
    byName.set(stack.name, [...(byName.get(stack.name) ?? []), stack]);
  }
  for (const stack of stacks) {
    const file = posix.join(stack.path, stack.composeFile);
    const base: Omit<Finding, "message"> = {
      level: "error",
      rule: "duplicate-name",
      folder: stack.path,
      file,
    };
    if (stack.name === "") {
      const message = "the folder's name has no letter or digit, so it is no compose project name";
      findings.push({ ...base, message });
      continue;
    }
    const others = (byName.get(stack.name) ?? []).filter((s) => s !== stack);
    if (others.length === 0) continue;
    const paths = others.map((s) => `"${s.path}"`).join(", ");
    const message = `stack name "${stack.name}" is also the name of ${paths}: ` +
      "compose project names must be unique, so autostack refuses all of them";
    findings.push({ ...base, stack: stack.name, message });
  }
  return findings;
}
