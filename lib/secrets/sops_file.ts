/**
 * A SOPS file: recognised by its content, read by its format, and decrypted
 * with the data key from its age entries (docs/secrets.md#sops-files).
 * @module
 */
import YAML from "yaml";
import { decryptAge } from "./age_file.ts";
import { SecretError } from "./errors.ts";
import { isSopsDotenv, isSopsIni, readLineTree } from "./_sops_lines.ts";
import { decryptTree } from "./_sops_tree.ts";
import { isSopsDocument, type ReadTree, readYamlTree } from "./_sops_yaml.ts";

/** The formats sops writes. */
export type SopsFormat = "yaml" | "json" | "dotenv" | "ini";

/** Every SOPS file holds its MAC as an encrypted value: files without one are skipped unread. */
const MARK = "ENC[AES256_GCM,";

/** The SOPS format of `text`, or `undefined` when it is not a SOPS file. */
export function sopsFormat(text: string): SopsFormat | undefined {
  if (!text.includes(MARK)) return undefined;
  if (isSopsDotenv(text)) return "dotenv";
  if (isSopsIni(text)) return "ini";
  if (!/^\s*sops\s*:|"sops"\s*:/m.test(text)) return undefined;
  const json = text.trimStart().startsWith("{");
  try {
    const doc = YAML.parseDocument(text, { prettyErrors: false });
    if (isSopsDocument(doc)) return json ? "json" : "yaml";
  } catch {
    // Not YAML: not a SOPS file we can recognise.
  }
  return undefined;
}

/** Reads a SOPS file without decrypting it (validate's check without a key). */
export function readSops(text: string, format: SopsFormat, file: string): ReadTree {
  switch (format) {
    case "yaml":
      return readYamlTree(text, file, false);
    case "json":
      return readYamlTree(text, file, true);
    case "dotenv":
      return readLineTree(text, file, false);
    case "ini":
      return readLineTree(text, file, true);
  }
}

/**
 * Decrypts a SOPS file with `keys` and returns its plaintext in the same
 * format. Throws {@link SecretError}: `key` when no identity opens an age
 * entry, `file` when the file is malformed or fails its MAC.
 */
export async function decryptSops(
  text: string,
  format: SopsFormat,
  file: string,
  keys: readonly string[],
): Promise<string> {
  const read = readSops(text, format, file);
  const entries = read.tree.meta.age ?? [];
  if (entries.length === 0) {
    const why = read.tree.meta.key_groups
      ? "key_groups (Shamir) are not supported; encrypt with plain age recipients"
      : "no age recipient: only age-encrypted SOPS files can be decrypted";
    throw new SecretError("file", file, why);
  }
  let keyFault = "no age identity here can decrypt it";
  for (const entry of entries) {
    const result = await decryptAge(new TextEncoder().encode(entry.enc), keys);
    if (result.ok) {
      if (result.plain.length !== 32) {
        throw new SecretError("file", file, "its data key is not 32 bytes");
      }
      decryptTree(read.tree, result.plain, file);
      return read.print();
    }
    if (result.fault === "file") {
      throw new SecretError("file", file, `an age entry of the sops metadata ${result.why}`);
    }
    keyFault = result.why;
  }
  throw new SecretError("key", file, keyFault);
}
