/**
 * Private to the repo folder: the files of a file stack
 * (docs/how-it-works.md#discovery). `caddy-compose.yaml` in a folder shared
 * with other stacks ships itself, its deploy file (`caddy-deploy.yaml`), the
 * folder's `.env` (compose reads it for every project there), and the files
 * its compose files point at inside the folder. In the deployed copy the
 * compose file is `compose.yaml` and the deploy file `deploy.yaml`, so the copy
 * is laid out as any stack's. Pure: the texts it reads are handed in.
 * @module
 */
import { posix } from "node:path";
import { scanDeployBlock } from "../config/mod.ts";
import { COMPOSE_FILES, DEPLOY_FILES } from "../names.ts";
import { composeFilesSetting, composeRefs } from "./_refs.ts";
import { buildTree, type TreeObject } from "./_tree.ts";

/** One listed file: its mode and hash when git gave them. */
export interface Listed {
  /** `100644`, `100755`, `120000` (a symbolic link) … */
  mode?: string;
  /** Blob hash. */
  hash?: string;
}

/** A file of a file stack: where it is in the stack's folder and where it goes in the copy. */
export interface StackFile {
  /** Path relative to the stack's folder in the repo (`caddy-compose.yaml`). */
  from: string;
  /** Path relative to the deployed copy (`compose.yaml`). */
  to: string;
}

/** What {@link fileStackFiles} reads from. */
export interface FolderView {
  /** The folder, from the repo root (`.` for the root). */
  dir: string;
  /** Every file below the folder, by path relative to it. */
  files: ReadonlyMap<string, Listed>;
  /** Texts of YAML files, by path from the repo root. */
  texts: ReadonlyMap<string, string>;
  /** Link targets, by path from the repo root. */
  links: ReadonlyMap<string, string>;
  /** The config's `defaults.compose_files`, used when the stack sets none. */
  defaultComposeFiles: readonly string[];
}

const inDir = (dir: string, path: string) => dir === "." ? path : `${dir}/${path}`;

/** `path` (relative to `base` in the folder) inside the folder, or `undefined` when it leaves it. */
function within(base: string, path: string): string | undefined {
  if (path === "" || path.includes("$") || path.startsWith("~") || posix.isAbsolute(path)) {
    return undefined;
  }
  const joined = posix.normalize(posix.join(base, path)).replace(/\/+$/, "");
  return joined === ".." || joined.startsWith("../") ? undefined : joined;
}

/** The stack's own `compose_files`, from its deploy file or its compose file's deploy block. */
function ownComposeFiles(view: FolderView, compose: string, deploy?: string) {
  if (deploy !== undefined) {
    const text = view.texts.get(inDir(view.dir, deploy));
    return text === undefined ? undefined : composeFilesSetting(text);
  }
  const scan = scanDeployBlock(view.texts.get(inDir(view.dir, compose)) ?? "");
  return scan.kind === "block" ? composeFilesSetting(scan.yaml) : undefined;
}

/**
 * The files of the file stack whose compose file is `compose` (and deploy file
 * `deploy`, when there is one) in `view.dir`, with their names in the copy, and
 * the stack's version: the hash of the tree of those files as the copy lays
 * them out (`""` when the listing has no hashes, as on a plain checkout).
 */
export function fileStackFiles(
  view: FolderView,
  compose: string,
  deploy: string | undefined,
): { files: StackFile[]; tree: string; objects: TreeObject[] } {
  const picked = new Set<string>();
  const add = (path: string) => {
    if (view.files.has(path)) {
      picked.add(path);
      return;
    }
    // A folder: everything below it.
    const prefix = path === "." ? "" : `${path}/`;
    for (const file of view.files.keys()) if (file.startsWith(prefix)) picked.add(file);
  };
  const queue = [
    compose,
    ...(ownComposeFiles(view, compose, deploy) ?? view.defaultComposeFiles),
  ];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const doc = within(".", queue.shift()!);
    if (doc === undefined || seen.has(doc)) continue;
    seen.add(doc);
    add(doc);
    const text = view.texts.get(inDir(view.dir, doc));
    if (text === undefined) continue;
    const refs = composeRefs(text);
    const base = posix.dirname(doc);
    for (const ref of refs.paths) {
      const path = within(base, ref);
      if (path !== undefined) add(path);
    }
    for (const ref of refs.composeFiles) {
      const path = within(base, ref);
      if (path !== undefined) queue.push(path);
    }
  }
  if (view.files.has(".env")) picked.add(".env");
  if (deploy !== undefined) picked.add(deploy);
  followLinks(view, picked);
  return layout(view, picked, compose, deploy);
}

/** A link inside the folder ships the file it points at too. */
function followLinks(view: FolderView, picked: Set<string>): void {
  for (const path of [...picked]) {
    if (view.files.get(path)?.mode !== "120000") continue;
    const target = view.links.get(inDir(view.dir, path));
    const resolved = target === undefined ? undefined : within(posix.dirname(path), target);
    if (resolved !== undefined && view.files.has(resolved)) picked.add(resolved);
  }
}

function layout(view: FolderView, picked: Set<string>, compose: string, deploy?: string) {
  const renamed = new Map<string, string>([[compose, COMPOSE_FILES[0]]]);
  if (deploy !== undefined) renamed.set(deploy, DEPLOY_FILES[0]);
  const taken = new Set(renamed.values());
  const files: StackFile[] = [...picked].sort()
    .filter((from) => renamed.has(from) || !taken.has(from))
    .map((from) => ({ from, to: renamed.get(from) ?? from }));
  const listed = files.map((f) => ({ ...f, ...view.files.get(f.from) }));
  if (listed.some((f) => f.hash === undefined || f.mode === undefined)) {
    return { files, tree: "", objects: [] };
  }
  const built = buildTree(listed.map((f) => ({ path: f.to, mode: f.mode!, hash: f.hash! })));
  return { files, tree: built.hash, objects: built.objects };
}
