/**
 * One SOPS value, `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, decrypted the
 * way sops does it (its aes cipher): AES-256-GCM with the file's data key, the
 * value's path as additional data, and the type restored. The IV is 32 bytes,
 * which WebCrypto in Deno refuses ("Initialization vector length not
 * supported"), so the GCM comes from `node:crypto`, built into Deno.
 * @module
 */
import { createDecipheriv } from "node:crypto";

/** A decrypted value with the Go type sops gives it (it decides the MAC's bytes). */
export type SopsValue =
  | { type: "str"; value: string }
  | { type: "int"; value: number }
  | { type: "float"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "bytes"; value: Uint8Array }
  | { type: "comment"; value: string };

const ENCRYPTED =
  /^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),iv:([A-Za-z0-9+/=]+),tag:([A-Za-z0-9+/=]+),type:([a-z]+)\]$/;

/** The parts of an encrypted value. */
export interface Encrypted {
  data: Uint8Array;
  iv: Uint8Array;
  tag: Uint8Array;
  type: string;
}

/** Whether `text` has the shape of an encrypted SOPS value (its first 15 characters). */
export function looksEncrypted(text: string): boolean {
  return text.startsWith("ENC[AES256_GCM,");
}

/** Splits an encrypted value into its parts, or `undefined` when it is not one. */
export function parseEncrypted(text: string): Encrypted | undefined {
  const m = ENCRYPTED.exec(text);
  if (m === null) return undefined;
  const [, data = "", iv = "", tag = "", type = ""] = m;
  try {
    return { data: fromBase64(data), iv: fromBase64(iv), tag: fromBase64(tag), type };
  } catch {
    return undefined;
  }
}

/** Why a value did not decrypt: a wrong key or a changed value (`auth`), or a bad shape. */
export class ValueError extends Error {}

/**
 * Decrypts one value; `aad` is its path as sops builds it (`key:sub:`), or the
 * file's `lastmodified` for the MAC. An empty string is not encrypted by sops
 * and stays empty. Throws {@link ValueError} without quoting the value.
 */
export function decryptValue(text: string, key: Uint8Array, aad: string): SopsValue {
  if (text === "") return { type: "str", value: "" };
  const parts = parseEncrypted(text);
  if (parts === undefined) throw new ValueError("not an ENC[AES256_GCM,…] value");
  if (parts.tag.length !== 16) throw new ValueError("its tag is not 16 bytes");
  let plain: Uint8Array;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, parts.iv);
    decipher.setAAD(new TextEncoder().encode(aad));
    decipher.setAuthTag(parts.tag);
    plain = new Uint8Array([...decipher.update(parts.data), ...decipher.final()]);
  } catch {
    throw new ValueError("authentication failed (changed after it was encrypted)");
  }
  return typed(plain, parts.type);
}

function typed(plain: Uint8Array, type: string): SopsValue {
  const text = new TextDecoder().decode(plain);
  switch (type) {
    case "str":
      return { type, value: text };
    case "comment":
      return { type, value: text };
    case "bytes":
      return { type, value: plain };
    case "int": {
      // strconv.Atoi: an optional sign and decimal digits only.
      if (!/^[+-]?\d+$/.test(text)) throw new ValueError("type int, but not an integer");
      return { type, value: Number.parseInt(text, 10) };
    }
    case "float": {
      const value = Number(text);
      if (text.trim() === "" || Number.isNaN(value) && text !== "NaN") {
        throw new ValueError("type float, but not a number");
      }
      return { type, value };
    }
    case "bool": {
      // strconv.ParseBool.
      if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return { type, value: true };
      if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return { type, value: false };
      throw new ValueError("type bool, but not a boolean");
    }
    default:
      throw new ValueError(`unknown type "${type}"`);
  }
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
