/**
 * The format-free part of decrypting a SOPS file, as sops's `Tree.Decrypt`
 * and `DecryptTree` do it: walk the values in file order, decrypt those the
 * rules say are encrypted with their path as additional data, feed every
 * value (or only the encrypted ones, `mac_only_encrypted`) to SHA-512, and
 * compare the hash with the file's MAC, itself encrypted with the data key and
 * `lastmodified` as additional data. A file that fails is refused whole.
 * @module
 */
import { createHash } from "node:crypto";
import { SecretError } from "./errors.ts";
import {
  encryptedRule,
  macAad,
  macBytes,
  macOnlyEncrypted,
  pathAad,
  plainValue,
  type SopsMetadata,
} from "./_sops_rules.ts";
import { decryptValue, type SopsValue, ValueError } from "./_value_cipher.ts";

/** One value of the file, in file order, and how to put its plaintext back. */
export interface Leaf {
  /** The keys leading to it (list items add none, as in sops). */
  path: readonly string[];
  /** The value as the file's store reads it. */
  value: string | number | boolean;
  /** Its line, for messages. */
  line?: number;
  /** Puts the decrypted (or unencrypted) value in its place. */
  set(value: SopsValue): void;
}

/** A comment that sops may have encrypted: it is tried, and left as it is when it does not decrypt. */
export interface CommentLeaf {
  /** The paths whose additional data it may have been encrypted with. */
  paths: readonly (readonly string[])[];
  /** Its text. */
  text: string;
  /** Puts the decrypted text in its place. */
  set(text: string): void;
}

/** A SOPS file read by its format: metadata, values and comments. */
export interface SopsTree {
  /** The `sops` block. */
  meta: SopsMetadata;
  /** The values in file order. */
  leaves: Leaf[];
  /** Comments that may be encrypted. */
  comments: CommentLeaf[];
  /** How numbers the store read are typed (JSON: all `float`). */
  numbers: "int" | "float";
  /** The line of the `sops` block's `mac`, for messages. */
  macLine?: number;
}

/**
 * Decrypts every value of `tree` in place with `dataKey` and checks the MAC;
 * `file` names the file in errors (never a value). Throws {@link SecretError}.
 */
export function decryptTree(tree: SopsTree, dataKey: Uint8Array, file: string): void {
  let isEncrypted: (path: readonly string[]) => boolean;
  try {
    isEncrypted = encryptedRule(tree.meta);
  } catch {
    throw new SecretError("file", file, "a regex in the sops metadata is not valid");
  }
  const macOnly = macOnlyEncrypted(tree.meta);
  const hash = createHash("sha512");
  for (const leaf of tree.leaves) {
    const encrypted = isEncrypted(leaf.path);
    let value: SopsValue;
    if (!encrypted) value = plainValue(leaf.value, tree.numbers);
    else if (typeof leaf.value !== "string") {
      throw new SecretError(
        "file",
        file,
        `${where(leaf)} should be encrypted but is not`,
        leaf.line,
      );
    } else {
      try {
        value = decryptValue(leaf.value, dataKey, pathAad(leaf.path));
      } catch (error) {
        if (!(error instanceof ValueError)) throw error;
        throw new SecretError("file", file, `${where(leaf)}: ${error.message}`, leaf.line);
      }
    }
    if (!macOnly || encrypted) hash.update(macBytes(value));
    leaf.set(value);
  }
  let stored: SopsValue;
  try {
    stored = decryptValue(tree.meta.mac, dataKey, macAad(tree.meta.lastmodified));
  } catch {
    throw new SecretError(
      "file",
      file,
      "MAC check failed: the file's MAC does not decrypt (changed after it was encrypted)",
      tree.macLine,
    );
  }
  if (stored.type !== "str" || stored.value !== hash.digest("hex").toUpperCase()) {
    throw new SecretError(
      "file",
      file,
      "MAC check failed: the values were changed after the file was encrypted",
      tree.macLine,
    );
  }
  for (const comment of tree.comments) decryptComment(comment, dataKey);
}

function decryptComment(comment: CommentLeaf, dataKey: Uint8Array): void {
  for (const path of comment.paths) {
    try {
      const value = decryptValue(comment.text.trim(), dataKey, pathAad(path));
      if (value.type === "comment" || value.type === "str") return comment.set(value.value);
    } catch {
      // sops itself keeps a comment that does not decrypt: it was never encrypted.
    }
  }
}

function where(leaf: Leaf): string {
  return `value at ${leaf.path.join(".") || "(top)"}`;
}
