/**
 * SOPS files in dotenv and INI form, read line by line as sops's stores read
 * them: dotenv `KEY=VALUE` (everything after the first `=`, `\n` standing for
 * a newline) with the metadata in `sops_*` keys; INI `[section]` and
 * `key = value` with the metadata in a `[sops]` section. Nested metadata is
 * flattened (`age__list_0__map_enc`). The decrypted file keeps every other
 * line as it was.
 * @module
 */
import { SopsMetadata } from "./_sops_rules.ts";
import type { CommentLeaf, Leaf } from "./_sops_tree.ts";
import { SecretError } from "./errors.ts";
import type { SopsValue } from "./_value_cipher.ts";
import type { ReadTree } from "./_sops_yaml.ts";

/** Whether `text` is a dotenv SOPS file: a `sops_mac=` line. */
export function isSopsDotenv(text: string): boolean {
  return /^sops_mac=/m.test(text);
}

/** Whether `text` is an INI SOPS file: a `[sops]` section with a `mac` key. */
export function isSopsIni(text: string): boolean {
  return /^\[sops\]\s*$/m.test(text) && /^mac\s*=/m.test(text);
}

/** Reads a dotenv (`ini` false) or INI SOPS file; `file` names it in errors. */
export function readLineTree(text: string, file: string, ini: boolean): ReadTree {
  const lines = text.split("\n");
  const flat: Record<string, string> = {};
  const leaves: Leaf[] = [];
  const comments: CommentLeaf[] = [];
  const drop = new Set<number>();
  let section: string | undefined;
  let macLine: number | undefined;
  for (const [i, line] of lines.entries()) {
    const at = i + 1;
    const trimmed = ini ? line.trim() : line;
    if (trimmed === "" || trimmed.startsWith("#") || (ini && trimmed.startsWith(";"))) {
      if (trimmed !== "") {
        const mark = trimmed[0]!;
        comments.push({
          paths: [section === undefined ? [] : [section]],
          text: trimmed.slice(1),
          set: (plain) => lines[i] = `${mark}${plain}`,
        });
      }
      continue;
    }
    if (ini && /^\[.*\]$/.test(trimmed)) {
      section = trimmed.slice(1, -1).trim();
      if (section === "sops") drop.add(i);
      continue;
    }
    const eq = trimmed.indexOf("=");
    if (eq <= 0) {
      throw new SecretError("file", file, `not a ${ini ? "key = value" : "KEY=VALUE"} line`, at);
    }
    const key = ini ? trimmed.slice(0, eq).trim() : trimmed.slice(0, eq);
    const raw = ini ? unquote(trimmed.slice(eq + 1).trim()) : trimmed.slice(eq + 1);
    const value = raw.replaceAll("\\n", "\n");
    const metaKey = ini
      ? section === "sops" ? key : undefined
      : key.startsWith("sops_")
      ? key.slice("sops_".length)
      : undefined;
    if (metaKey !== undefined) {
      flat[metaKey] = value;
      if (metaKey === "mac") macLine = at;
      drop.add(i);
      continue;
    }
    const path = ini ? [section ?? "DEFAULT", key] : [key];
    const set = (plain: SopsValue) => {
      const shown = plainText(plain).replaceAll("\n", "\\n");
      lines[i] = ini ? `${key} = ${shown}` : `${key}=${shown}`;
    };
    leaves.push({ path, value, line: at, set });
  }
  const meta = SopsMetadata.safeParse(unflatten(flat));
  if (!meta.success) {
    const key = meta.error.issues[0]?.path.join(".") ?? "";
    throw new SecretError("file", file, `sops metadata: "${key}" is missing or wrong`);
  }
  return {
    tree: { meta: meta.data, leaves, comments, numbers: "int", macLine },
    print: () => {
      const kept = lines.filter((_, i) => !drop.has(i));
      // A [sops] section at the end leaves blank lines behind it.
      while (kept.length > 1 && kept.at(-1) === "" && kept.at(-2) === "") kept.pop();
      return kept.join("\n");
    },
  };
}

function plainText(value: SopsValue): string {
  if (value.type === "bytes") return new TextDecoder().decode(value.value);
  if (value.type === "bool") return value.value ? "true" : "false";
  return String(value.value);
}

/** go-ini's quoting of a value: `"…"`, `` `…` `` or `"""…"""`. */
function unquote(value: string): string {
  for (const q of ['"""', "`", '"']) {
    if (value.length >= 2 * q.length && value.startsWith(q) && value.endsWith(q)) {
      return value.slice(q.length, -q.length);
    }
  }
  return value;
}

/** sops's `Unflatten` of the metadata keys it needs: `age__list_N__map_FIELD` and plain keys. */
function unflatten(flat: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const age: Record<string, string>[] = [];
  for (const [key, value] of Object.entries(flat)) {
    const m = /^age__list_(\d+)__map_(\w+)$/.exec(key);
    if (m !== null) {
      const index = Number(m[1]);
      age[index] = { ...age[index], [m[2]!]: value };
    } else if (key.startsWith("key_groups__")) out.key_groups = [key];
    else if (!key.includes("__")) out[key] = value;
  }
  if (age.length > 0) out.age = age.filter((entry) => entry !== undefined);
  return out;
}
