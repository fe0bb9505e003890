/**
 * Watched folders → stacks (docs/how-it-works.md#discovery), decided purely
 * from a listing of the repo: `git ls-tree` of the deployed commit for `run`,
 * the checkout on disk for `validate`, so both find the same stacks. A stack
 * is a folder holding a compose file (the watched folder itself, its
 * immediate subfolders, or with `nested` any folder below it), or a file
 * `NAME-compose.yaml` in a folder shared with other such files. Everything
 * looked at and not taken is said, with why.
 * @module
 */
import {
  compareNames,
  COMPOSE_FILES,
  DEPLOY_FILES,
  deployFilesFor,
  fileStackName,
  fileStackRank,
  normalizeName,
} from "../names.ts";
import { fileStackFiles, type Listed, type StackFile } from "./_files.ts";
import type { TreeObject } from "./_tree.ts";
import { linkProblems } from "./_links.ts";

export { COMPOSE_FILES } from "../names.ts";
export type { StackFile } from "./_files.ts";
export type { TreeObject } from "./_tree.ts";

/** A stack found in the repo at one commit. */
export interface Stack {
  /** Compose project name (docs/how-it-works.md#discovery). */
  name: string;
  /** Folder from the repo root (`stacks/web`; `.` for the root). */
  path: string;
  /** The compose file's name inside the folder (`compose.yaml`, `caddy-compose.yaml`). */
  composeFile: string;
  /** The stack's version: the folder's git tree hash, or for a file stack the hash of the tree of its files. */
  tree: string;
  /**
   * A file stack only: its files, each with its name in the deployed copy
   * (the compose file becomes `compose.yaml`, its deploy file `deploy.yaml`).
   * A folder stack ships its whole folder and has none.
   */
  files?: StackFile[];
}

/** One entry of a listing: a folder (`tree`), a file (`blob`), a submodule (`commit`). */
export interface ListEntry {
  /** Path from the root, forward slashes. */
  path: string;
  /** `tree`, `blob` or `commit`. */
  type: string;
  /** File mode; `120000` is a symbolic link. */
  mode?: string;
  /** Object hash, when the listing comes from git. */
  hash?: string;
}

/** Something discovery looked at and did not take as a stack, and why. */
export interface Skipped {
  /** File from the repo root. */
  path: string;
  /** What kind of skip, for `validate`. */
  kind: "not-compose" | "deeper" | "hidden" | "inside-stack" | "ignored" | "no-compose";
  /** Why, in words (`deeper than a stack folder (set nested: true)`). */
  why: string;
}

/** A problem that refuses a stack or a watched folder. */
export interface DiscoveryProblem {
  /** What kind of problem, for `validate`. */
  kind: "missing-folder" | "duplicate-name" | "no-name" | "symlink";
  /** The stack's folder, or the watched folder. */
  folder: string;
  /** The file concerned: the compose file, or the link. */
  file?: string;
  /** The stack's name, when it has one. */
  stack?: string;
  /** The other stacks of a name clash, by folder (or compose file, for a file stack). */
  others?: string[];
  /** The message `run` prints. */
  message: string;
}

/** The outcome of discovery. */
export interface Discovery {
  /** Stacks that may be planned, by name. */
  stacks: Stack[];
  /** Stacks refused for their name (a clash, no letter or digit): `validate` still checks them. */
  refused: Stack[];
  /** One line per problem, as `run` prints them. */
  errors: string[];
  /** The same problems, with their folder and file. */
  problems: DiscoveryProblem[];
  /** What was looked at and skipped, by path. */
  skipped: Skipped[];
  /** The git tree objects of the file stacks' versions, to write with `git mktree`. */
  trees: TreeObject[];
}

/** How to discover. */
export interface DiscoverOptions {
  /** The config's `nested`: stacks at any depth below a watched folder. */
  nested?: boolean;
  /** Texts of the YAML files {@link filesToRead} names, by path. */
  texts?: ReadonlyMap<string, string>;
  /** Targets of the symbolic links in the listing, by path. */
  links?: ReadonlyMap<string, string>;
  /** The config's `defaults.compose_files`. */
  composeFiles?: readonly string[];
  /** What the listing is, in messages: `repo` (default) or `checkout`. */
  where?: string;
}

/** A stack before it is named. */
interface Candidate {
  stack: Stack;
  /** The path parts a name is made of: the watched folder's name, the folders below it, a file stack's NAME. */
  parts: string[];
  /** What the stack is shown as: its folder, or a file stack's compose file. */
  shown: string;
  objects: TreeObject[];
}

const isYaml = (name: string) => /\.ya?ml$/.test(name);
const isComposeName = (name: string) =>
  (COMPOSE_FILES as readonly string[]).includes(name) || fileStackName(name) !== undefined;
const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1);
const dirName = (path: string) => path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
const join = (dir: string, name: string) => dir === "." ? name : `${dir}/${name}`;
const under = (dir: string, path: string) => dir === "." || path.startsWith(`${dir}/`);

/** The folders of a listing: their files, subfolders and hashes. */
class Index {
  readonly trees = new Map<string, string | undefined>();
  readonly files = new Map<string, Map<string, ListEntry>>();
  readonly dirs = new Map<string, string[]>();

  constructor(entries: readonly ListEntry[], rootTree: string) {
    this.addDir(".", rootTree);
    for (const entry of entries) {
      if (entry.type === "tree") this.addDir(entry.path, entry.hash);
      else if (entry.type === "blob") {
        const dir = dirName(entry.path);
        this.addDir(dir, this.trees.get(dir));
        this.files.get(dir)!.set(baseName(entry.path), entry);
      }
    }
  }

  private addDir(path: string, hash: string | undefined): void {
    if (this.files.has(path)) {
      if (hash !== undefined) this.trees.set(path, hash);
      return;
    }
    this.trees.set(path, hash);
    this.files.set(path, new Map());
    this.dirs.set(path, []);
    if (path === ".") return;
    const parent = dirName(path);
    this.addDir(parent, this.trees.get(parent));
    this.dirs.get(parent)!.push(baseName(path));
  }

  /** Every file below `dir`, by path relative to it. */
  below(dir: string): Map<string, Listed> {
    const found = new Map<string, Listed>();
    const walk = (path: string, rel: string) => {
      for (const [name, entry] of this.files.get(path) ?? []) {
        found.set(rel === "" ? name : `${rel}/${name}`, entry);
      }
      for (const sub of this.dirs.get(path) ?? []) {
        walk(join(path, sub), rel === "" ? sub : `${rel}/${sub}`);
      }
    };
    walk(dir, "");
    return found;
  }
}

/**
 * The YAML files discovery reads, by path: those in and below folders that hold
 * a `NAME-compose.yaml` (whose references decide the stack's files). Links are
 * never read.
 */
export function filesToRead(entries: readonly ListEntry[]): string[] {
  const holders = new Set(
    entries.filter((e) => e.type === "blob" && fileStackName(baseName(e.path)) !== undefined)
      .map((e) => dirName(e.path)),
  );
  return entries.filter((e) =>
    e.type === "blob" && e.mode !== "120000" && isYaml(e.path) &&
    [...holders].some((dir) => under(dir, e.path))
  ).map((e) => e.path);
}

function cleanFolder(folder: string): string {
  const trimmed = folder.replace(/^\.\/+/, "").replace(/\/+$/, "");
  return trimmed === "" ? "." : trimmed;
}

/**
 * Finds the stacks under `folders` in a listing. `rootTree` is the root's tree
 * hash (`""` without git) and `repoName` names a stack at the repo root.
 */
export function discoverStacks(
  entries: readonly ListEntry[],
  folders: readonly string[],
  rootTree: string,
  repoName: string,
  options: DiscoverOptions = {},
): Discovery {
  const index = new Index(entries, rootTree);
  const walk = new Walk(index, options, repoName);
  const problems: DiscoveryProblem[] = [];
  const watched: string[] = [];
  for (const raw of folders) {
    const folder = cleanFolder(raw);
    if (!index.files.has(folder)) {
      const message = `watched folder "${raw}" does not exist in the ${options.where ?? "repo"}`;
      problems.push({ kind: "missing-folder", folder, message });
      continue;
    }
    watched.push(folder);
    walk.visit(folder, folder, 0);
  }
  walk.reportComposeFiles(entries, watched);
  // Named before the links are checked, so a refused stack does not rename its neighbours.
  const named = nameStacks(walk.candidates(), options.nested ?? false, problems);
  const kept = named.kept.filter((c) => {
    const found = linkProblems(c.stack, index.below(c.stack.path), options.links ?? new Map());
    problems.push(...found);
    return found.length === 0;
  });
  return {
    stacks: kept.map((c) => c.stack).sort(compareNames),
    refused: named.refused.map((c) => c.stack),
    errors: [...new Set(problems.map((p) => p.message))],
    problems,
    skipped: walk.skippedList(),
    trees: kept.flatMap((c) => c.objects),
  };
}

/** The walk through the watched folders, collecting candidates and skips. */
class Walk {
  private readonly found = new Map<string, Candidate>();
  private readonly stackDirs = new Set<string>();
  private readonly skipped = new Map<string, Skipped>();
  /** Files file stacks ship, from the root: an included compose file is not skipped, it is used. */
  private readonly shipped = new Set<string>();

  constructor(
    private readonly index: Index,
    private readonly options: DiscoverOptions,
    private readonly repoName: string,
  ) {}

  /** Looks at `dir` (a watched folder or a folder below `watched`), `depth` levels down. */
  visit(dir: string, watched: string, depth: number): void {
    if (this.stackDirs.has(dir) || this.takeStacks(dir, watched)) return;
    for (const name of this.index.files.get(dir)?.keys() ?? []) {
      if (name.startsWith(".") || !isYaml(name) || isComposeName(name)) continue;
      const path = join(dir, name);
      if ((DEPLOY_FILES as readonly string[]).includes(name)) {
        this.skip(
          path,
          "no-compose",
          `deploy settings without a compose file (${COMPOSE_FILES[0]})`,
        );
      } else this.skip(path, "not-compose", "not a compose file");
    }
    if (depth > 0 && !this.options.nested) return;
    for (const sub of this.index.dirs.get(dir) ?? []) {
      if (!sub.startsWith(".")) this.visit(join(dir, sub), watched, depth + 1);
    }
  }

  /** Takes the stacks of `dir`, if it holds any: its folder stack, else its file stacks. */
  private takeStacks(dir: string, watched: string): boolean {
    const files = this.index.files.get(dir) ?? new Map<string, ListEntry>();
    const parts = this.partsOf(dir, watched);
    const compose = COMPOSE_FILES.find((name) => files.has(name));
    if (compose !== undefined) {
      this.stackDirs.add(dir);
      for (const name of files.keys()) {
        if (name === compose || !isComposeName(name)) continue;
        const why = (COMPOSE_FILES as readonly string[]).includes(name)
          ? `ignored: ${compose} comes first`
          : `part of the stack in ${dir}, which holds ${compose} (not a stack of its own)`;
        this.skip(join(dir, name), "ignored", why);
      }
      const tree = this.index.trees.get(dir) ?? "";
      const stack = { name: "", path: dir, composeFile: compose, tree };
      const base = dir === "." ? [this.repoName] : parts;
      this.add({ stack, parts: base.length > 0 ? base : [this.repoName], shown: dir, objects: [] });
      return true;
    }
    const byName = new Map<string, string>();
    for (const name of [...files.keys()].sort((a, b) => fileStackRank(a) - fileStackRank(b))) {
      const stackName = fileStackName(name);
      if (stackName === undefined) continue;
      const first = byName.get(stackName);
      if (first === undefined) byName.set(stackName, name);
      else this.skip(join(dir, name), "ignored", `ignored: ${first} comes first`);
    }
    if (byName.size === 0) return false;
    this.stackDirs.add(dir);
    this.takeFileStacks(dir, parts, byName, files);
    return true;
  }

  private takeFileStacks(
    dir: string,
    parts: string[],
    byName: Map<string, string>,
    files: Map<string, ListEntry>,
  ): void {
    const view = {
      dir,
      files: this.index.below(dir),
      texts: this.options.texts ?? new Map(),
      links: this.options.links ?? new Map(),
      defaultComposeFiles: this.options.composeFiles ?? [],
    };
    const shipped = new Set<string>();
    for (const [stackName, compose] of byName) {
      const deploy = deployFilesFor(compose).find((name) => files.has(name));
      const made = fileStackFiles(view, compose, deploy);
      for (const file of made.files) {
        shipped.add(file.from);
        this.shipped.add(join(dir, file.from));
      }
      const stack = {
        name: "",
        path: dir,
        composeFile: compose,
        tree: made.tree,
        files: made.files,
      };
      const shown = join(dir, compose);
      this.add({ stack, parts: [...parts, stackName], shown, objects: made.objects });
    }
    for (const name of files.keys()) {
      if (shipped.has(name) || name.startsWith(".") || !isYaml(name) || isComposeName(name)) {
        continue;
      }
      const deployOf = /^(.+)-deploy\.ya?ml$/.exec(name)?.[1];
      if ((DEPLOY_FILES as readonly string[]).includes(name) || deployOf !== undefined) {
        const wanted = deployOf === undefined ? COMPOSE_FILES[0] : `${deployOf}-compose.yaml`;
        this.skip(
          join(dir, name),
          "no-compose",
          `deploy settings without a compose file (${wanted})`,
        );
      } else this.skip(join(dir, name), "not-compose", "not a compose file");
    }
  }

  /** The parts of a name: the watched folder's name (none for the root), then the folders below it. */
  private partsOf(dir: string, watched: string): string[] {
    const head = watched === "." ? [] : [baseName(watched)];
    if (dir === watched) return head;
    const rel = watched === "." ? dir : dir.slice(watched.length + 1);
    return [...head, ...rel.split("/")];
  }

  private add(candidate: Candidate): void {
    const key = `${candidate.stack.path}\0${candidate.stack.composeFile}`;
    if (!this.found.has(key)) this.found.set(key, candidate);
  }

  private skip(path: string, kind: Skipped["kind"], why: string): void {
    if (!this.skipped.has(path)) this.skipped.set(path, { path, kind, why });
  }

  /**
   * Says why each compose file below a watched folder that is no stack's was
   * left: inside a stack's folder, in a hidden folder, or deeper than a stack
   * folder without `nested`.
   */
  reportComposeFiles(entries: readonly ListEntry[], watched: readonly string[]): void {
    for (const entry of entries) {
      const dir = dirName(entry.path);
      if (entry.type !== "blob" || !isComposeName(baseName(entry.path))) continue;
      if (this.stackDirs.has(dir) || this.skipped.has(entry.path) || this.shipped.has(entry.path)) {
        continue;
      }
      const root = watched.find((w) => under(w, dir) || w === dir);
      if (root === undefined) continue;
      const holder = [...this.stackDirs].find((d) => under(d, dir));
      const rel = root === "." ? dir : dir.slice(root.length + 1);
      if (holder !== undefined) {
        const why = `inside the stack folder ${holder} (a stack's subfolders are not searched)`;
        this.skip(entry.path, "inside-stack", why);
      } else if (rel.split("/").some((part) => part.startsWith("."))) {
        this.skip(entry.path, "hidden", "in a hidden folder (not searched)");
      } else this.skip(entry.path, "deeper", "deeper than a stack folder (set nested: true)");
    }
  }

  candidates(): Candidate[] {
    return [...this.found.values()];
  }

  skippedList(): Skipped[] {
    return [...this.skipped.values()].sort((a, b) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0
    );
  }
}

/**
 * Names each stack after its last part (folder or file stack name); with
 * `nested`, stacks whose names clash take their whole path instead
 * (`platform-monitoring`). Any clash left refuses every stack in it; those
 * come back in `refused`.
 */
function nameStacks(
  candidates: Candidate[],
  nested: boolean,
  problems: DiscoveryProblem[],
): { kept: Candidate[]; refused: Candidate[] } {
  const short = (c: Candidate) => normalizeName(c.parts[c.parts.length - 1] ?? "");
  const counts = new Map<string, number>();
  for (const c of candidates) counts.set(short(c), (counts.get(short(c)) ?? 0) + 1);
  for (const c of candidates) {
    const name = short(c);
    const clash = nested && name !== "" && counts.get(name)! > 1;
    c.stack.name = clash ? normalizeName(c.parts.join("-")) : name;
  }
  const byName = new Map<string, Candidate[]>();
  const refused: Candidate[] = [];
  for (const c of candidates) {
    if (c.stack.name === "") {
      const what = c.stack.files ? "stack file" : "stack folder";
      problems.push({
        kind: "no-name",
        folder: c.stack.path,
        file: join(c.stack.path, c.stack.composeFile),
        message: `${what} "${c.shown}": its name has no letter or digit`,
      });
      refused.push(c);
    } else byName.set(c.stack.name, [...(byName.get(c.stack.name) ?? []), c]);
  }
  const kept: Candidate[] = [];
  for (const [final, group] of byName) {
    if (group.length === 1) {
      kept.push(group[0]!);
      continue;
    }
    // Stacks that clash even by their paths are named as the folder names them.
    const shorts = new Set(group.map(short));
    const byPath = shorts.size === 1 && group.every((c) => c.stack.name !== short(c));
    const name = byPath ? short(group[0]!) : final;
    const shown = group.map((c) => `"${c.shown}"`).join(" and ");
    const what = group.every((c) => !c.stack.files) ? "folders " : "";
    const how = byPath ? ", even by their paths" : "";
    const message = `stack "${name}": ${what}${shown} have the same project name${how}; ` +
      `${group.length === 2 ? "both" : "all"} refused`;
    for (const c of group) {
      c.stack.name = name;
      refused.push(c);
      problems.push({
        kind: "duplicate-name",
        folder: c.stack.path,
        file: join(c.stack.path, c.stack.composeFile),
        stack: name,
        others: group.filter((o) => o !== c).map((o) => o.shown),
        message,
      });
    }
  }
  return { kept, refused };
}

/** A name for the repo, from its URL or path (`git@host:me/stacks.git` → `stacks`). */
export function repoName(url: string): string {
  const last = url.replace(/[/\\]+$/, "").split(/[/:\\]/).pop() ?? "";
  return last.replace(/\.git$/, "") || "stack";
}
