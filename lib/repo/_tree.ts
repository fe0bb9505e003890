/**
 * Private to the repo folder: the git tree object a set of files makes, hashed
 * as git hashes it (docs/how-it-works.md#discovery). A file stack's version is
 * the hash of the tree of its files as they are laid out in its deployed copy,
 * so it is stable, computed from the blob hashes of `git ls-tree` without a
 * git call, and, once written with `git mktree`, listed and diffed by git like
 * any folder's tree.
 * @module
 */
import { createHash } from "node:crypto";

/** A file of a tree to build: its path in the tree, mode and blob hash, as `git ls-tree` gives them. */
export interface TreeFile {
  /** Path inside the tree, forward slashes (`conf/Caddyfile`). */
  path: string;
  /** `100644`, `100755` or `120000`. */
  mode: string;
  /** Blob hash. */
  hash: string;
}

/** One tree object: its entries, in git's order, for `git mktree`. */
export interface TreeObject {
  /** `MODE TYPE HASH\tNAME` records, as `git ls-tree` prints them. */
  records: string[];
  /** The object's hash. */
  hash: string;
}

interface Entry {
  name: string;
  mode: string;
  hash: string;
  isTree: boolean;
}

const encoder = new TextEncoder();

/** Git orders a tree's entries by name bytes, a folder's name as if it ended in `/`. */
function sortKey(entry: Entry): Uint8Array {
  return encoder.encode(entry.isTree ? `${entry.name}/` : entry.name);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Hashes one tree object; SHA-256 when the blob hashes are (a repo in sha256 format). */
function hashTree(entries: Entry[], algorithm: "sha1" | "sha256"): string {
  const parts = entries.flatMap((e) => [
    // In the object, a folder's mode has no leading zero.
    encoder.encode(`${e.isTree ? "40000" : e.mode} ${e.name}\0`),
    hexBytes(e.hash),
  ]);
  const size = parts.reduce((n, p) => n + p.length, 0);
  const hash = createHash(algorithm).update(encoder.encode(`tree ${size}\0`));
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

/**
 * The tree objects that hold `files` (sub-folders first, the root last) and
 * the root's hash. Pure: the same files always give the same hash, the one
 * `git mktree` gives them.
 */
export function buildTree(files: readonly TreeFile[]): { hash: string; objects: TreeObject[] } {
  const algorithm = files[0]?.hash.length === 64 ? "sha256" : "sha1";
  const objects: TreeObject[] = [];
  const build = (prefix: string, list: readonly TreeFile[]): string => {
    const direct: Entry[] = [];
    const folders = new Map<string, TreeFile[]>();
    for (const file of list) {
      const rest = file.path.slice(prefix.length);
      const slash = rest.indexOf("/");
      if (slash < 0) direct.push({ name: rest, mode: file.mode, hash: file.hash, isTree: false });
      else {
        const name = rest.slice(0, slash);
        folders.set(name, [...(folders.get(name) ?? []), file]);
      }
    }
    for (const [name, inside] of folders) {
      direct.push({ name, mode: "040000", hash: build(`${prefix}${name}/`, inside), isTree: true });
    }
    direct.sort((a, b) => compareBytes(sortKey(a), sortKey(b)));
    const hash = hashTree(direct, algorithm);
    const records = direct.map((e) =>
      `${e.isTree ? "040000" : e.mode} ${e.isTree ? "tree" : "blob"} ${e.hash}\t${e.name}`
    );
    objects.push({ records, hash });
    return hash;
  };
  const hash = build("", files);
  return { hash, objects };
}
