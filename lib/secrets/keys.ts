/**
 * Which age identities decrypt the secrets of this host (docs/secrets.md#the-key-on-the-host):
 * the config's `age_key_file`, else `SOPS_AGE_KEY_FILE`, else `SOPS_AGE_KEY`
 * (the identities themselves), else `~/.config/sops/age/keys.txt`, the order
 * sops uses. A key file may hold several identities; each is tried.
 * @module
 */
import { join } from "node:path";
import { readTextOrUndefined } from "../fsutil.ts";

/** Where the identities come from. */
export type KeySource =
  | { kind: "file"; path: string; from: "age_key_file" | "SOPS_AGE_KEY_FILE" | "default" }
  | { kind: "env"; text: string };

/** The identities of a source, or why there are none (a host problem: no key is here). */
export type Identities =
  | { ok: true; keys: string[]; source: string }
  | { ok: false; why: string };

/**
 * Picks the source: `configFile` (the config's `age_key_file`), else the
 * environment's `SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY`, else the default file
 * under `HOME` (`undefined` without one).
 */
export function keySource(
  configFile: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): KeySource | undefined {
  if (configFile) return { kind: "file", path: configFile, from: "age_key_file" };
  if (env.SOPS_AGE_KEY_FILE) {
    return { kind: "file", path: env.SOPS_AGE_KEY_FILE, from: "SOPS_AGE_KEY_FILE" };
  }
  if (env.SOPS_AGE_KEY) return { kind: "env", text: env.SOPS_AGE_KEY };
  if (!env.HOME) return undefined;
  return { kind: "file", path: join(env.HOME, ".config/sops/age/keys.txt"), from: "default" };
}

/** The source as messages name it (never its content). */
export function describeSource(source: KeySource): string {
  if (source.kind === "env") return "SOPS_AGE_KEY";
  return source.from === "default" ? source.path : `${source.from} ${source.path}`;
}

/**
 * The identities in a key file's text: lines starting `AGE-SECRET-KEY-`;
 * blank lines and `#` comments are skipped. Returns the 1-based line of the
 * first other line instead, which age would refuse too.
 */
export function parseIdentities(text: string): { keys: string[] } | { badLine: number } {
  const keys: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (!line.startsWith("AGE-SECRET-KEY-")) return { badLine: i + 1 };
    keys.push(line);
  }
  return { keys };
}

/** Reads the identities of `source`; a missing or empty key is an answer, not an exception. */
export async function loadIdentities(source: KeySource | undefined): Promise<Identities> {
  if (source === undefined) {
    return { ok: false, why: "no age key: set age_key_file, SOPS_AGE_KEY_FILE or SOPS_AGE_KEY" };
  }
  const shown = describeSource(source);
  let text: string | undefined;
  if (source.kind === "env") text = source.text;
  else {
    try {
      text = await readTextOrUndefined(source.path);
    } catch (error) {
      const why = error instanceof Error ? error.name : "unreadable";
      return { ok: false, why: `no age key: ${shown} cannot be read (${why})` };
    }
  }
  if (text === undefined) return { ok: false, why: `no age key: ${shown} does not exist` };
  const parsed = parseIdentities(text);
  if ("badLine" in parsed) {
    return { ok: false, why: `age key ${shown}: line ${parsed.badLine} is not an age identity` };
  }
  if (parsed.keys.length === 0) return { ok: false, why: `no age key: ${shown} holds no identity` };
  return { ok: true, keys: parsed.keys, source: shown };
}
