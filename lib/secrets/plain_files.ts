/**
 * Decrypted files in a copy of a stack (docs/secrets.md#what-autostack-guarantees):
 * written `0600` into folders made `0700`, replacing their encrypted form.
 * @module
 */
import { dirname, join } from "node:path";

/** One decrypted file, ready to be written into a copy. */
export interface PlainFile {
  /** The encrypted file in the copy (relative), replaced by {@link to}. */
  encrypted: string;
  /** Where the plaintext goes in the copy (relative). */
  to: string;
  /** The plaintext. */
  data: Uint8Array;
}

/**
 * Writes the plaintext into the copy `root` (which holds the encrypted files):
 * each file `0600`, the copy and each folder holding one `0700`. An age file's
 * encrypted form is removed from the copy.
 */
export async function writePlainFiles(root: string, files: readonly PlainFile[]): Promise<void> {
  if (files.length === 0) return;
  await Deno.chmod(root, 0o700);
  for (const file of files) {
    const target = join(root, file.to);
    // Through a fresh file: one that existed may be a link, or readable by others.
    await Deno.remove(join(root, file.encrypted)).catch(() => {});
    await Deno.remove(target).catch(() => {});
    await Deno.writeFile(target, file.data, { mode: 0o600, createNew: true });
    await Deno.chmod(target, 0o600);
    for (let folder = dirname(target); folder.length > root.length; folder = dirname(folder)) {
      await Deno.chmod(folder, 0o700);
    }
  }
}
