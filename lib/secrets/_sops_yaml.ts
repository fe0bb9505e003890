/**
 * SOPS files in YAML or JSON (JSON is read as the YAML it is, which keeps the
 * key order the MAC depends on): find the `sops` block, list the values in
 * file order with their paths, and write the decrypted document back in the
 * file's own format, without the `sops` block.
 * @module
 */
import YAML, { type Document, isAlias, isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import { SopsMetadata } from "./_sops_rules.ts";
import type { CommentLeaf, Leaf, SopsTree } from "./_sops_tree.ts";
import { SecretError } from "./errors.ts";
import type { SopsValue } from "./_value_cipher.ts";

/** A YAML or JSON SOPS file, read: its tree, and how to print it once decrypted. */
export interface ReadTree {
  /** The values, comments and metadata. */
  tree: SopsTree;
  /** The decrypted file's text (call after decrypting the tree). */
  print(): string;
}

/** Whether the parsed `doc` is a SOPS document: a top-level `sops` map holding a `mac`. */
export function isSopsDocument(doc: Document): boolean {
  const sops = isMap(doc.contents) ? doc.contents.get("sops", true) : undefined;
  return isMap(sops) && sops.has("mac");
}

/** Reads a YAML (`json` false) or JSON SOPS file; `file` names it in errors. */
export function readYamlTree(text: string, file: string, json: boolean): ReadTree {
  const lines = new YAML.LineCounter();
  const docs = YAML.parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (node: { range?: unknown } | null | undefined): number | undefined => {
    const range = node && "range" in node && Array.isArray(node.range) ? node.range : undefined;
    return typeof range?.[0] === "number" ? lines.linePos(range[0]).line : undefined;
  };
  if (!Array.isArray(docs) || docs.length !== 1) {
    throw new SecretError("file", file, "a SOPS file must hold one YAML document");
  }
  const doc = docs[0]!;
  const error = doc.errors[0];
  if (error !== undefined) {
    const what = json ? "invalid JSON" : "invalid YAML";
    throw new SecretError("file", file, what, lines.linePos(error.pos[0]).line);
  }
  const root = doc.contents;
  if (!isMap(root) || !isSopsDocument(doc)) {
    throw new SecretError("file", file, "no top-level sops block with a mac");
  }
  const sopsNode = root.get("sops", true);
  const meta = SopsMetadata.safeParse(YAML.isNode(sopsNode) ? sopsNode.toJSON() : undefined);
  if (!meta.success) {
    const key = meta.error.issues[0]?.path.join(".") ?? "";
    throw new SecretError(
      "file",
      file,
      `sops metadata: "${key}" is missing or wrong`,
      lineOf(sopsNode),
    );
  }
  const macNode = isMap(sopsNode) ? sopsNode.get("mac", true) : undefined;
  const leaves: Leaf[] = [];
  const comments: CommentLeaf[] = [];
  const comment = (holder: CommentHolder, paths: (readonly string[])[]) => {
    for (const field of ["commentBefore", "comment"] as const) {
      const text = holder[field];
      if (typeof text !== "string") continue;
      const parts = text.split("\n");
      parts.forEach((part, i) =>
        comments.push({
          paths,
          text: part,
          set: (plain) => {
            parts[i] = plain;
            holder[field] = parts.join("\n");
          },
        })
      );
    }
  };
  const walk = (node: unknown, path: readonly string[], parent: readonly string[]): void => {
    if (node === null || node === undefined) return;
    if (isAlias(node)) {
      throw new SecretError(
        "file",
        file,
        "YAML aliases are not supported in SOPS files",
        lineOf(node),
      );
    }
    if (isMap(node)) {
      comment(node, [path, parent]);
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        if (typeof key !== "string") {
          throw new SecretError(
            "file",
            file,
            "only text keys are supported",
            lineOf(pair.value as Node),
          );
        }
        if (path.length === 0 && key === "sops") continue;
        if (isScalar(pair.key)) comment(pair.key, [path]);
        walk(pair.value, [...path, key], path);
      }
      return;
    }
    if (isSeq(node)) {
      comment(node, [path, parent]);
      for (const item of node.items) walk(item, path, path);
      return;
    }
    if (isScalar(node)) {
      comment(node, [parent, path]);
      const value = node.value;
      if (value === null) return;
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        throw new SecretError("file", file, "a value of an unsupported type", lineOf(node));
      }
      leaves.push({ path, value, line: lineOf(node), set: (plain) => setScalar(node, plain) });
      return;
    }
    if (isPair(node)) throw new SecretError("file", file, "an unexpected YAML pair", undefined);
  };
  if (!json) comment(doc, [[]]);
  walk(root, [], []);
  root.delete("sops");
  return {
    tree: {
      meta: meta.data,
      leaves,
      comments,
      numbers: json ? "float" : "int",
      macLine: lineOf(macNode as Node | undefined),
    },
    print: () => json ? `${jsonText(doc.contents, "")}\n` : doc.toString(),
  };
}

/** Something that carries YAML comments. */
interface CommentHolder {
  commentBefore?: string | null;
  comment?: string | null;
}

function setScalar(node: YAML.Scalar, plain: SopsValue): void {
  node.value = plain.type === "bytes" ? new TextDecoder().decode(plain.value) : plain.value;
  // Let the printer choose a style that reads the value back with its type.
  node.type = undefined;
}

/** A decrypted JSON document, printed with two-space indents and its key order kept. */
function jsonText(node: unknown, indent: string): string {
  const inner = `${indent}  `;
  if (isMap(node)) {
    if (node.items.length === 0) return "{}";
    const items = node.items.map((pair) => {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      return `${inner}${JSON.stringify(key)}: ${jsonText(pair.value, inner)}`;
    });
    return `{\n${items.join(",\n")}\n${indent}}`;
  }
  if (isSeq(node)) {
    if (node.items.length === 0) return "[]";
    return `[\n${node.items.map((i) => `${inner}${jsonText(i, inner)}`).join(",\n")}\n${indent}]`;
  }
  if (isScalar(node)) return JSON.stringify(node.value ?? null);
  return "null";
}
