/**
 * Private to `config.ts`: the zod schema of each config key
 * (docs/configuration.md) and of the notify targets
 * (docs/notifications.md#targets), and the turning of zod issues into problem
 * lines `config: KEY: problem: VALUE`, where a VALUE that may hold a secret is
 * redacted or left out.
 * @module
 */

import { RESULTS } from "../outcome.ts";
import { LISTEN_HINT, parseListen } from "../listen.ts";
import { posix } from "node:path";
import { z } from "zod";
import { parseDuration } from "../duration.ts";
import { isRecord, showValue } from "../yaml_doc.ts";
import { redactUrl, redactUrls } from "../redact.ts";

/** Every top-level config key, in the order of docs/configuration.md#keys (and of problem lines). */
export const CONFIG_KEYS = [
  "repo",
  "branch",
  "folders",
  "nested",
  "base_dir",
  "mark_bad",
  "defaults",
  "notify",
  "prune",
  "jobs",
  "keep_releases",
  "history_max_bytes",
  "compose",
  "hostname",
  "interval",
  "listen",
  "webhook_secret",
  "age_key_file",
  "insecure_registries",
  "status_token",
] as const;

/** A top-level config key. */
export type ConfigKey = typeof CONFIG_KEYS[number];

/** Payload formats of a notify target. */
export const FORMATS = ["json", "discord", "slack", "ntfy", "gotify"] as const;

const BOOLEAN = "must be true or false";

/** A non-blank string; "required" when absent so a missing key reads well. */
const text = (error: string) =>
  z.string({ error: (issue) => issue.input === undefined ? "required" : error })
    .refine((s) => s.trim() !== "", { error });

/** One value or a list of them, always a list afterwards. */
const listOf = <T extends z.ZodType>(item: T, error: string) =>
  z.preprocess((v) => Array.isArray(v) ? v : [v], z.array(item, { error }).min(1, { error }));

const FOLDER = "must be a relative path inside the repo";
const folder = text(FOLDER)
  .refine((f) => !posix.isAbsolute(f) && !posix.normalize(f).split("/").includes(".."), {
    error: FOLDER,
  })
  // "./web/" and "web" name the same folder; keep one spelling.
  .transform((f) => posix.normalize(f).replace(/(.)\/+$/, "$1"));

const INTERVAL = "must be a positive duration such as 30s, 5m or 1h";
const interval = z.unknown().transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) ctx.addIssue({ code: "custom", message: INTERVAL });
  return ms ?? z.NEVER;
});

const listen = z.string({ error: LISTEN_HINT }).refine((s) => parseListen(s) !== undefined, {
  error: LISTEN_HINT,
});

const JOBS = "must be a positive integer";
const HISTORY_MAX = "must be a whole number of bytes, 1024 or more (default 10000000)";
const COMPOSE = "must be a command such as docker compose";
const REGISTRY = "must be a registry host[:port] or a list of them";

/** Every key but `defaults` and `notify`, which have their own checks. */
export const CONFIG_SCHEMA = z.object({
  repo: text("must be a git URL or a path"),
  branch: text("must be a branch name").optional(),
  folders: listOf(folder, "must be a folder or a list of folders").default(["."]),
  // Optional rather than defaulted: absent means false, and configs without it parse as before.
  nested: z.boolean({ error: BOOLEAN }).optional(),
  base_dir: text("must be a path"),
  mark_bad: z.boolean({ error: BOOLEAN }).default(true),
  prune: z.boolean({ error: BOOLEAN }).default(false),
  jobs: z.number({ error: JOBS }).int({ error: JOBS }).positive({ error: JOBS }).default(1),
  keep_releases: z.number({ error: JOBS }).int({ error: JOBS }).positive({ error: JOBS }).default(
    3,
  ),
  history_max_bytes: z.number({ error: HISTORY_MAX })
    .int({ error: HISTORY_MAX })
    .min(1024, { error: HISTORY_MAX })
    .default(10_000_000),
  compose: z.preprocess(
    (v) => typeof v === "string" ? v.split(/\s+/).filter((w) => w !== "") : v,
    z.array(text(COMPOSE), { error: COMPOSE }).min(1, { error: COMPOSE }),
  ).default(["docker", "compose"]),
  hostname: text("must be a host name").optional(),
  interval: interval.default(60_000),
  listen: listen.optional(),
  webhook_secret: text("must be a string (quote it if it looks like a number)").optional(),
  age_key_file: text("must be a path").optional(),
  insecure_registries: listOf(
    text(REGISTRY).refine((r) => /^[^\s/]+$/.test(r), { error: REGISTRY }),
    REGISTRY,
  ).default([]),
  status_token: text("must be a string (quote it if it looks like a number)").optional(),
});

const URL_ERROR = "must be an http(s) URL";
const url = z.string({ error: URL_ERROR }).refine((s) => {
  try {
    return ["http:", "https:"].includes(new URL(s).protocol);
  } catch {
    return false;
  }
}, { error: URL_ERROR });
const on = z.preprocess(
  (v) => typeof v === "string" ? [v] : v,
  z.array(z.enum(RESULTS, { error: `must be one of ${RESULTS.join(", ")}` }), {
    error: "must be a list of results",
  }),
);
const urlTarget = z.strictObject({
  url,
  format: z.enum(FORMATS, { error: `must be one of ${FORMATS.join(", ")}` }).optional(),
  on: on.optional(),
  headers: z.record(z.string(), z.string({ error: "must be a string" }), {
    error: "must be a mapping of header names to values",
  }).optional(),
});
const execTarget = z.strictObject({
  exec: text("must be a command (a non-empty string)"),
  on: on.optional(),
});

/** A checked notify target (the shape of `NotifyTarget` in config.ts). */
export type CheckedTarget = z.output<typeof urlTarget> | z.output<typeof execTarget>;

/** Checks `notify`: a list of targets (or one), each a URL or a `{url …}` / `{exec …}` mapping. */
export function checkNotify(raw: unknown): { targets: CheckedTarget[]; problems: string[] } {
  if (raw === undefined || raw === null) return { targets: [], problems: [] };
  const list = Array.isArray(raw) ? raw : [raw];
  const targets: CheckedTarget[] = [];
  const problems: string[] = [];
  list.forEach((item, i) => {
    const path = ["notify", i];
    const value = typeof item === "string" ? { url: item } : item;
    if (!isRecord(value)) {
      problems.push(problemLine(path, "must be a URL or a mapping with url or exec", item));
      return;
    }
    const result = ("exec" in value ? execTarget : urlTarget).safeParse(value, {
      reportInput: true,
    });
    if (result.success) targets.push(result.data);
    else problems.push(...issueLines(result.error.issues, path));
  });
  return { targets, problems };
}

/** One problem line per zod issue, each naming the key path and the value. */
export function issueLines(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []) {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => showValue(k)).join(", ");
      return `${
        problemLine(path, issue.keys.length > 1 ? "unknown keys" : "unknown key")
      }: ${keys}`;
    }
    return problemLine(path, issue.message, issue.input);
  });
}

/**
 * `config: KEY: problem: VALUE`; the value is left out when there is none or
 * it may be a secret (`webhook_secret`, `status_token`, notify headers), and a notify URL is
 * shown without its path, query and user part: the secret of a Slack or
 * Discord hook is its path. Every other URL in a value is shown so too.
 */
export function problemLine(path: readonly PropertyKey[], problem: string, value?: unknown) {
  const key = path.map((p, i) => typeof p === "number" ? `[${p}]` : i ? `.${String(p)}` : String(p))
    .join("");
  const shown = showSafely(path, value);
  return shown === undefined
    ? `config: ${key}: ${problem}`
    : `config: ${key}: ${problem}: ${shown}`;
}

/** The value as a problem line may show it; `undefined` to leave it out. */
function showSafely(path: readonly PropertyKey[], value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const [top, , field] = path;
  if (top === "webhook_secret" || top === "status_token") return undefined;
  if (top === "notify" && field === "headers") return undefined;
  if (top === "notify" && (field === undefined || field === "url") && typeof value === "string") {
    return showValue(redactUrl(value));
  }
  return redactUrls(showValue(value));
}
