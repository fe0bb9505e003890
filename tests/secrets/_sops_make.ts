/**
 * Test helper: encrypts values the way sops does (AES-256-GCM, a 32-byte IV,
 * the path as additional data, the MAC over the values), so tests can build
 * SOPS files in shapes the real fixtures do not cover (INI, suffixes, regexes).
 * The real sops fixtures in testdata/ prove the scheme against sops itself.
 * @module
 */
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { armor, Encrypter } from "age-encryption";

/** Encrypts `plain` as a sops value of `type` with `aad`. */
export function encryptValue(plain: string, key: Uint8Array, aad: string, type = "str"): string {
  const iv = randomBytes(32);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(new TextEncoder().encode(aad));
  const data = new Uint8Array([
    ...cipher.update(new TextEncoder().encode(plain)),
    ...cipher.final(),
  ]);
  const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
  return `ENC[AES256_GCM,data:${b64(data)},iv:${b64(iv)},tag:${
    b64(cipher.getAuthTag())
  },type:${type}]`;
}

/** The MAC value of a file whose MAC bytes are `values`, as sops stores it. */
export function encryptMac(values: string[], key: Uint8Array, lastModified: string): string {
  const hash = createHash("sha512");
  for (const v of values) hash.update(new TextEncoder().encode(v));
  return encryptValue(hash.digest("hex").toUpperCase(), key, lastModified);
}

/** A fresh data key and its age entry (armored) for `recipient`. */
export async function dataKeyFor(recipient: string): Promise<{ key: Uint8Array; enc: string }> {
  const key = new Uint8Array(randomBytes(32));
  const e = new Encrypter();
  e.addRecipient(recipient);
  return { key, enc: armor.encode(await e.encrypt(key)) };
}
