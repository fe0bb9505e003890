/**
 * The secrets of one stack (docs/secrets.md): find its encrypted files and
 * decrypt them into memory, before anything of the running version is
 * touched. SOPS files keep their name; `NAME.age` becomes `NAME`.
 * @module
 */
import { join } from "node:path";
import type { PlainFile } from "./plain_files.ts";
import { decryptAge } from "./age_file.ts";
import { SecretError } from "./errors.ts";
import type { Identities } from "./keys.ts";
import { decryptSops, sopsFormat } from "./sops_file.ts";

/** A file of the stack: where it is in the stack folder, and where it goes in the copy. */
export interface StackFile {
  /** Relative to the stack folder in the clone. */
  from: string;
  /** Relative to the copy. */
  to: string;
}

/** The suffix of an age-encrypted file. */
export const AGE_SUFFIX = ".age";

/** Larger files are not read to see whether they are SOPS files: sops files are small. */
const MAX_SOPS_BYTES = 4 * 1024 * 1024;

/** The name a file has in a running copy: `NAME.age` is decrypted to `NAME`. */
export function plainName(path: string): string {
  return isAgeName(path) ? path.slice(0, -AGE_SUFFIX.length) : path;
}

/** Whether a file is named like an age file (and has a name left without the suffix). */
export function isAgeName(path: string): boolean {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base.endsWith(AGE_SUFFIX) && base.length > AGE_SUFFIX.length;
}

/**
 * Decrypts the encrypted files among `files` of the stack folder `dir`.
 * `keys` is asked only when there is one. Throws {@link SecretError}.
 */
export async function decryptStackFiles(
  dir: string,
  files: readonly StackFile[],
  keys: () => Promise<Identities>,
): Promise<PlainFile[]> {
  const out: PlainFile[] = [];
  let identities: string[] | undefined;
  const need = async (file: string): Promise<string[]> => {
    if (identities !== undefined) return identities;
    const loaded = await keys();
    if (!loaded.ok) throw new SecretError("key", file, loaded.why);
    return identities = loaded.keys;
  };
  for (const file of files) {
    const path = join(dir, file.from);
    const info = await Deno.lstat(path);
    if (!info.isFile) continue;
    if (isAgeName(file.from)) {
      const result = await decryptAge(await Deno.readFile(path), await need(file.from));
      if (!result.ok) throw new SecretError(result.fault, file.from, result.why);
      out.push({ encrypted: file.to, to: plainName(file.to), data: result.plain });
      continue;
    }
    if (info.size > MAX_SOPS_BYTES) continue;
    const text = decodeText(await Deno.readFile(path));
    const format = text === undefined ? undefined : sopsFormat(text);
    if (text === undefined || format === undefined) continue;
    const plain = await decryptSops(text, format, file.from, await need(file.from));
    out.push({ encrypted: file.to, to: file.to, data: new TextEncoder().encode(plain) });
  }
  return out;
}

/** The text of a file, or `undefined` when it is not UTF-8 (not a SOPS file then). */
function decodeText(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
