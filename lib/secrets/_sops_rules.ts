/**
 * The rules of a SOPS file that need no key: its metadata (the `sops` block),
 * which values are encrypted (`unencrypted_suffix`, `encrypted_suffix`,
 * `unencrypted_regex`, `encrypted_regex`, in sops's order), and the bytes each
 * value adds to the MAC (Go's formatting of the value sops parsed).
 * @module
 */
import { z } from "zod";
import type { SopsValue } from "./_value_cipher.ts";

const optionalText = z.string().nullish();

/** The `sops` block, as far as decrypting with age needs it. */
export const SopsMetadata = z.object({
  age: z.array(z.object({ recipient: z.string(), enc: z.string() })).nullish(),
  key_groups: z.array(z.unknown()).nullish(),
  lastmodified: z.string(),
  mac: z.string(),
  unencrypted_suffix: optionalText,
  encrypted_suffix: optionalText,
  unencrypted_regex: optionalText,
  encrypted_regex: optionalText,
  // dotenv and INI files keep every metadata value as text.
  mac_only_encrypted: z.union([z.boolean(), z.enum(["true", "false"])]).nullish(),
});
/** The `sops` block. */
export type SopsMetadata = z.infer<typeof SopsMetadata>;

/** Decides, per path, whether sops encrypted the value there. */
export type EncryptedRule = (path: readonly string[]) => boolean;

/**
 * The rule of `meta`, as sops's `Tree.Decrypt` applies it: each later setting
 * overrides the earlier ones; with none, everything is encrypted. Throws a
 * `SyntaxError` for a regex JavaScript cannot read.
 */
export function encryptedRule(meta: SopsMetadata): EncryptedRule {
  const unRegex = meta.unencrypted_regex ? new RegExp(meta.unencrypted_regex) : undefined;
  const enRegex = meta.encrypted_regex ? new RegExp(meta.encrypted_regex) : undefined;
  return (path) => {
    let encrypted = true;
    const unSuffix = meta.unencrypted_suffix;
    if (unSuffix) encrypted = !path.some((p) => p.endsWith(unSuffix));
    const enSuffix = meta.encrypted_suffix;
    if (enSuffix) encrypted = path.some((p) => p.endsWith(enSuffix));
    if (unRegex && path.some((p) => unRegex.test(p))) encrypted = false;
    if (enRegex) encrypted = path.some((p) => enRegex.test(p));
    return encrypted;
  };
}

/** Whether only encrypted values count in the MAC. */
export function macOnlyEncrypted(meta: SopsMetadata): boolean {
  return meta.mac_only_encrypted === true || meta.mac_only_encrypted === "true";
}

/** The additional data of the value at `path`: its keys joined by `:`, with a trailing `:`. */
export function pathAad(path: readonly string[]): string {
  return `${path.join(":")}:`;
}

/** `lastmodified` as Go's RFC 3339 formatting prints it again: the additional data of the MAC. */
export function macAad(lastModified: string): string {
  return lastModified.replace(/\.\d+(?=Z|[+-]\d\d:\d\d$)/, "").replace(/[+-]00:00$/, "Z");
}

/** The bytes a value adds to the MAC: sops's `ToBytes` of the Go value. */
export function macBytes(value: SopsValue): Uint8Array {
  switch (value.type) {
    case "bytes":
      return value.value;
    case "bool":
      return utf8(value.value ? "True" : "False");
    case "int":
      return utf8(String(value.value));
    case "float":
      return utf8(goFloat(value.value));
    default:
      return utf8(value.value);
  }
}

/** A value sops read unencrypted from the file, typed as its store types it. */
export function plainValue(value: string | number | boolean, numbers: "int" | "float"): SopsValue {
  if (typeof value === "string") return { type: "str", value };
  if (typeof value === "boolean") return { type: "bool", value };
  return { type: Number.isInteger(value) ? numbers : "float", value };
}

/** Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest digits, never an exponent. */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
  const text = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (m === null) return text;
  const [, sign = "", lead = "", rest = "", exp = "0"] = m;
  const digits = lead + rest;
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
