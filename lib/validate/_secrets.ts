/**
 * Private to `validate.ts`: the encrypted files of a stack (docs/secrets.md):
 * each SOPS or age file is noted, a malformed one is an error with its line,
 * and with `--age-key-file` each must decrypt and pass its MAC.
 * @module
 */
import { join, posix } from "node:path";
import {
  ageBinary,
  decryptAge,
  decryptSops,
  type Identities,
  isAgeName,
  readSops,
  SecretError,
  sopsFormat,
} from "../secrets/mod.ts";
import type { Finding } from "./_model.ts";

/** The stack as the secret check needs it. */
export interface SecretStack {
  /** Its folder from the checkout root. */
  folder: string;
  /** Its name. */
  name: string;
  /** Its folder on disk. */
  dir: string;
  /** Its files, relative to its folder. */
  files: Iterable<string>;
}

/** Larger files are not read to see whether they are SOPS files. */
const MAX_SOPS_BYTES = 4 * 1024 * 1024;

/**
 * Findings on the encrypted files of `stack`; `keys` (from `--age-key-file`)
 * also decrypts each one.
 */
export async function secretFindings(
  stack: SecretStack,
  keys: Identities | undefined,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const found = (level: Finding["level"], file: string, message: string, line?: number) =>
    findings.push({
      level,
      rule: level === "error" ? "invalid-secret" : "encrypted-file",
      folder: stack.folder,
      stack: stack.name,
      file: posix.join(stack.folder, file),
      ...(line === undefined ? {} : { line }),
      message,
    });
  for (const file of [...stack.files].sort()) {
    const path = join(stack.dir, file);
    const info = await Deno.lstat(path).catch(() => undefined);
    if (!info?.isFile) continue;
    if (isAgeName(file)) {
      const bytes = await Deno.readFile(path);
      const binary = await ageBinary(bytes);
      if (!binary.ok) {
        found("error", file, binary.why, 1);
        continue;
      }
      if (keys === undefined || !keys.ok) {
        found("note", file, "age file: decrypted at deploy (without .age)");
        continue;
      }
      const result = await decryptAge(bytes, keys.keys);
      if (result.ok) found("note", file, "age file: decrypts with the key");
      else found("error", file, result.why, 1);
      continue;
    }
    if (info.size > MAX_SOPS_BYTES) continue;
    const text = await Deno.readTextFile(path).catch(() => undefined);
    const format = text === undefined ? undefined : sopsFormat(text);
    if (text === undefined || format === undefined) continue;
    try {
      if (keys === undefined || !keys.ok) {
        readSops(text, format, file);
        found("note", file, `SOPS file (${format}): decrypted at deploy`);
      } else {
        await decryptSops(text, format, file, keys.keys);
        found("note", file, `SOPS file (${format}): decrypts and passes its MAC`);
      }
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      found("error", file, error.reason, error.line);
    }
  }
  return findings;
}
