/**
 * Decrypting age data with the host's identities (the `age-encryption`
 * package): a `*.age` file, armored or binary, and the data key in each age
 * entry of a SOPS file. "No identity matched" is told apart from a broken
 * file, because the first is a host problem and the second a broken version.
 * @module
 */

/**
 * The age package, loaded on first use: most runs decrypt nothing, and
 * loading it up front would add ~0.1 s to every start of autostack.
 */
const agePackage = () => import("age-encryption");

/** The first line of an armored age file. */
const ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----";
/** The first line of a binary age file. */
const MAGIC = "age-encryption.org/v1\n";

/** What decrypting came to. */
export type AgeResult =
  | { ok: true; plain: Uint8Array }
  | { ok: false; fault: "key" | "file"; why: string };

/** Whether `bytes` start like an age file, armored or binary. */
export function looksLikeAge(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  return head.startsWith(ARMOR_BEGIN) || head.startsWith(MAGIC);
}

/**
 * The binary age file in `bytes` (armor removed), or why it is not one: the
 * checks that need no key (validate's, and the first step of a decrypt).
 */
export async function ageBinary(bytes: Uint8Array): Promise<
  { ok: true; data: Uint8Array } | {
    ok: false;
    why: string;
  }
> {
  const text = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  let data = bytes;
  if (text.startsWith(ARMOR_BEGIN)) {
    const { armor } = await agePackage();
    try {
      data = armor.decode(new TextDecoder().decode(bytes));
    } catch {
      return { ok: false, why: "not a valid armored age file" };
    }
  }
  const head = new TextDecoder().decode(data.subarray(0, MAGIC.length));
  if (head !== MAGIC) {
    return { ok: false, why: `not an age file (no "age-encryption.org/v1" header)` };
  }
  return { ok: true, data };
}

/** Decrypts age data with `keys` (each is tried). */
export async function decryptAge(bytes: Uint8Array, keys: readonly string[]): Promise<AgeResult> {
  const binary = await ageBinary(bytes);
  if (!binary.ok) return { ok: false, fault: "file", why: binary.why };
  const { Decrypter } = await agePackage();
  const decrypter = new Decrypter();
  try {
    // A key that does not parse is refused here, before any file is read.
    for (const key of keys) decrypter.addIdentity(key);
  } catch {
    return { ok: false, fault: "key", why: "the age key holds an identity age cannot read" };
  }
  try {
    return { ok: true, plain: await decrypter.decrypt(binary.data) };
  } catch (error) {
    const message = error instanceof Error ? error.message : "";
    if (/no identity matched/.test(message)) {
      return { ok: false, fault: "key", why: "no age identity here can decrypt it" };
    }
    return { ok: false, fault: "file", why: "does not decrypt (damaged or changed)" };
  }
}
