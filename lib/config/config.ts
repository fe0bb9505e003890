/**
 * The configuration (docs/configuration.md): which file to read, the keys it
 * may hold, their defaults, and `AUTOSTACK_<KEY>` environment overrides, which
 * win over the file. Every value is checked before anything runs and every
 * problem is reported at once, as a {@link ConfigError} with one line per
 * problem.
 * @module
 */

import { dirname, isAbsolute, resolve } from "node:path";
import { ConfigError, errorMessage } from "../errors.ts";
import { checkSettingsObject, type DeploySettings, formatProblem } from "./settings.ts";
import { checkNotify, CONFIG_KEYS, CONFIG_SCHEMA, type ConfigKey, issueLines } from "./_schema.ts";
import { isRecord, readYaml, unknownKeyMessage } from "../yaml_doc.ts";

/** A notification target (docs/notifications.md#targets): a URL to POST the event to, or a command fed it on stdin. */
export type NotifyTarget =
  | {
    url: string;
    format?: "json" | "discord" | "slack" | "ntfy" | "gotify";
    on?: string[];
    headers?: Record<string, string>;
  }
  | { exec: string; on?: string[] };

/** The checked configuration, defaults applied; durations in ms, paths absolute. */
export interface Config {
  /** Git URL or path; a relative local path is resolved against the config file's folder. */
  repo: string;
  /** Branch to deploy; `undefined` = the remote's default. */
  branch?: string;
  /** Watched folders, relative to the repo root, normalized (`"."` = the root). */
  folders: string[];
  /** Stacks at any depth below a watched folder (docs/how-it-works.md#discovery); absent = false. */
  nested?: boolean;
  /** Where the state lives (docs/how-it-works.md#state); absolute. */
  base_dir: string;
  /** Mark versions that fail as bad (docs/how-it-works.md#bad-marks). */
  mark_bad: boolean;
  /** Deploy settings applied to every stack before its own. */
  defaults: Partial<DeploySettings>;
  /** Notification targets. */
  notify: NotifyTarget[];
  /** Take down stacks that left the repo or set `deploy: false`. */
  prune: boolean;
  /** How many stacks may deploy at the same time. */
  jobs: number;
  /** How many healthy versions of each stack are kept for `rollback` (the good one included). */
  keep_releases: number;
  /** `history.jsonl` is rotated to `history.jsonl.1` once it reaches this size. */
  history_max_bytes: number;
  /** The compose command as argv words, e.g. `["docker", "compose"]`. */
  compose: string[];
  /** Matched against a stack's `hosts` setting. */
  hostname: string;
  /** `watch`: time between runs, in ms. */
  interval: number;
  /** `watch`: address of the webhook/metrics server. */
  listen?: string;
  /** `watch`: secret that push webhooks must be signed with. */
  webhook_secret?: string;
  /** The age identities that decrypt secrets (docs/secrets.md); absolute. Absent: `SOPS_AGE_KEY_FILE` and the rest. */
  age_key_file?: string;
  /** Registries asked over plain HTTP besides loopback ones (docs/image-updates.md). */
  insecure_registries: string[];
  /** `watch`: token the status page (`GET /`) asks for; `undefined`: the page is open. */
  status_token?: string;
  /** Absolute path of the file read (`""` when there was none). */
  configFile: string;
  /** Things worth a look that do not stop the run (unknown keys …), one line each. */
  warnings: string[];
}

/** The config file to read, and who named it. */
export interface ConfigChoice {
  /** The file, absolute. */
  path: string;
  /**
   * `--config` or `$AUTOSTACK_CONFIG`: the file must exist. `undefined` for
   * the default `./autostack.yaml`, which may be missing when the environment
   * holds the config.
   */
  namedBy?: "--config" | "$AUTOSTACK_CONFIG";
}

/** Which file to read: --config, else $AUTOSTACK_CONFIG, else ./autostack.yaml (resolved against cwd). */
export function configPath(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
): ConfigChoice {
  if (flag !== undefined && flag !== "") return { path: resolve(cwd, flag), namedBy: "--config" };
  const fromEnv = env.AUTOSTACK_CONFIG;
  if (fromEnv !== undefined && fromEnv !== "") {
    return { path: resolve(cwd, fromEnv), namedBy: "$AUTOSTACK_CONFIG" };
  }
  return { path: resolve(cwd, "autostack.yaml") };
}

/**
 * Pure: raw YAML text (`undefined` = no file) + env → Config, or throws a
 * {@link ConfigError} listing every problem, one per line, each
 * `config: KEY: problem: VALUE`.
 */
export function parseConfig(
  text: string | undefined,
  file: string,
  env: Record<string, string | undefined>,
  defaultsFromHost: { hostname: string },
): Config {
  const fromFile = readFile(text, file);
  const { raw, problems } = withEnv(fromFile, env);
  const warnings = Object.keys(fromFile)
    .filter((key) => !isConfigKey(key))
    .map((key) => `config: ${key}: ${unknownKeyMessage(key, CONFIG_KEYS)}`);
  const checked = CONFIG_SCHEMA.safeParse(raw, { reportInput: true });
  if (!checked.success) problems.push(...issueLines(checked.error.issues));
  const home = env.HOME;
  const repo = checked.success ? expandHome("repo", checked.data.repo, home, problems) : "";
  const baseDir = checked.success
    ? expandHome("base_dir", checked.data.base_dir, home, problems)
    : "";
  const ageKey = checked.success && checked.data.age_key_file !== undefined
    ? expandHome("age_key_file", checked.data.age_key_file, home, problems)
    : undefined;
  const defaults = checkSettingsObject(raw.defaults, "config: defaults");
  problems.push(...defaults.errors.map(formatProblem));
  warnings.push(...defaults.warnings.map(formatProblem));
  const notify = checkNotify(raw.notify);
  problems.push(...notify.problems);
  if (!checked.success || problems.length > 0) {
    const ordered = sortByKey(problems);
    throw new ConfigError(
      text === undefined ? [`config: ${file}: not found`, ...ordered] : ordered,
    );
  }
  const base = file === "" ? resolve() : dirname(resolve(file));
  const data = checked.data;
  return {
    ...data,
    repo: isLocalPath(repo) ? resolve(base, repo) : repo,
    base_dir: resolve(base, baseDir),
    ...(ageKey === undefined ? {} : { age_key_file: resolve(base, ageKey) }),
    hostname: data.hostname ?? defaultsFromHost.hostname,
    defaults: defaults.values,
    notify: notify.targets,
    configFile: text === undefined || file === "" ? "" : resolve(file),
    warnings,
  };
}

/**
 * Reads the file and calls {@link parseConfig}. A file named by `--config` or
 * `$AUTOSTACK_CONFIG` (or given as a plain path) must exist; only the default
 * `./autostack.yaml` may be missing, when the environment supplies the
 * required keys.
 */
export async function loadConfig(
  choice: string | ConfigChoice,
  env: Record<string, string | undefined>,
  defaultsFromHost: { hostname: string } = { hostname: hostName() },
): Promise<Config> {
  const { path, namedBy }: { path: string; namedBy?: string } = typeof choice === "string"
    ? { path: choice, namedBy: "" }
    : choice;
  let text: string | undefined;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new ConfigError(`config: ${path}: cannot read: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    if (namedBy !== undefined) {
      const by = namedBy === "" ? "" : ` (named by ${namedBy})`;
      throw new ConfigError(`config: ${path}: not found${by}`, { cause: error });
    }
  }
  return parseConfig(text, path, env, defaultsFromHost);
}

/** The file's top-level mapping; a syntax error or a non-mapping is the only problem reported. */
function readFile(text: string | undefined, file: string): Record<string, unknown> {
  if (text === undefined) return {};
  const read = readYaml(text);
  if (!read.ok) {
    const where = read.line === undefined ? file : `${file}:${read.line}`;
    throw new ConfigError(`config: ${where}: invalid YAML: ${read.message}`);
  }
  if (read.value === undefined) return {};
  if (!isRecord(read.value)) throw new ConfigError(`config: ${file}: must be a mapping of keys`);
  return read.value;
}

/** How an `AUTOSTACK_<KEY>` string becomes a value; anything else stays a string. */
const ENV_KINDS: Partial<Record<ConfigKey, "list" | "boolean" | "number" | "yaml">> = {
  folders: "list",
  nested: "boolean",
  mark_bad: "boolean",
  prune: "boolean",
  jobs: "number",
  keep_releases: "number",
  history_max_bytes: "number",
  defaults: "yaml",
  notify: "yaml",
  insecure_registries: "list",
};

const BOOLEANS: Record<string, boolean> = {
  true: true,
  false: false,
  1: true,
  0: false,
  yes: true,
  no: false,
};

/** The file's values with `AUTOSTACK_<KEY>` overrides applied; an empty variable counts as unset. */
function withEnv(fromFile: Record<string, unknown>, env: Record<string, string | undefined>) {
  const raw: Record<string, unknown> = { ...fromFile };
  const problems: string[] = [];
  for (const key of CONFIG_KEYS) {
    const name = `AUTOSTACK_${key.toUpperCase()}`;
    const value = env[name];
    if (value === undefined || value === "") continue;
    const kind = ENV_KINDS[key];
    if (kind === "list") raw[key] = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
    else if (kind === "boolean") raw[key] = BOOLEANS[value.trim().toLowerCase()] ?? value;
    // A value that is not a number stays a string, so the problem line shows it as typed.
    else if (kind === "number") {
      raw[key] = /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
    } else if (kind === "yaml") {
      const read = readYaml(value);
      if (read.ok) raw[key] = read.value;
      else problems.push(`config: ${key}: invalid YAML in ${name}: ${read.message}`);
    } else raw[key] = value;
  }
  return { raw, problems };
}

function isConfigKey(key: string): key is ConfigKey {
  return CONFIG_KEYS.some((k) => k === key);
}

/** Problem lines in the order of the documented key table; a stable sort keeps each key's own order. */
function sortByKey(problems: string[]): string[] {
  const rank = (line: string) => {
    const key = /^config: ([a-z_]+)/.exec(line)?.[1] ?? "";
    const index = CONFIG_KEYS.findIndex((k) => k === key);
    return index === -1 ? CONFIG_KEYS.length : index;
  };
  return [...problems].sort((a, b) => rank(a) - rank(b));
}

/**
 * `~` or `~/…` at the start of a path is `$HOME` (from `env`), as in a shell;
 * without it, or as `~user/…`, it is a problem, never a folder named `~`.
 */
function expandHome(
  key: ConfigKey,
  path: string,
  home: string | undefined,
  problems: string[],
): string {
  if (!path.startsWith("~")) return path;
  const user = /^~([^/]+)/.exec(path);
  if (user !== null) {
    const problem = `~${user[1]} is not supported, write the full path`;
    problems.push(`config: ${key}: ${problem}: ${JSON.stringify(path)}`);
  } else if (home === undefined || home === "") {
    problems.push(`config: ${key}: ~ needs $HOME, which is not set: ${JSON.stringify(path)}`);
  } else return home + path.slice(1);
  return path;
}

/**
 * Git's own rule: `host:path` (a colon before any slash) is an scp-like remote,
 * and `scheme://` a URL; everything else is a local path.
 */
function isLocalPath(repo: string): boolean {
  if (isAbsolute(repo)) return true;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(repo)) return false;
  const colon = repo.indexOf(":");
  const slash = repo.indexOf("/");
  return colon === -1 || (slash !== -1 && slash < colon);
}

/** The host's name, or "localhost" when it cannot be read (no --allow-sys). */
function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}
