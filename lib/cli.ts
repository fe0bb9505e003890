/**
 * The command line (docs/how-it-works.md#commands): one pure parser per
 * command, built on `node:util` parseArgs, turning argv into a typed {@link
 * Command}. Wrong usage throws {@link UsageError} (exit 2) naming the flag or
 * value.
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { parseDuration } from "./duration.ts";
import { UsageError } from "./errors.ts";
import { COMMANDS } from "./help.ts";
import { LISTEN_HINT, parseListen } from "./listen.ts";

/** `autostack run`. */
export interface RunCommand {
  kind: "run";
  config?: string;
  dryRun: boolean;
  stacks: string[];
  force: boolean;
  json: boolean;
}
/** `autostack status`. */
export interface StatusCommand {
  kind: "status";
  config?: string;
  json: boolean;
  /** `--check`: exit 1 unless every stack is healthy on its version (for monitoring). */
  check: boolean;
}
/** `autostack history`. */
export interface HistoryCommand {
  kind: "history";
  config?: string;
  stacks: string[];
  /** The newest N entries; 0 for all. */
  limit: number;
  /** `--since`: only entries newer than this many ms ago. */
  since?: number;
  json: boolean;
}

/** How many entries `history` shows without `--limit`. */
export const HISTORY_LIMIT = 20;

/** `autostack bad list | clear NAME`. */
export interface BadCommand {
  kind: "bad";
  config?: string;
  action: "list" | "clear";
  name?: string;
  json: boolean;
}
/** `autostack rollback NAME [--to COMMIT]`. */
export interface RollbackCommand {
  kind: "rollback";
  config?: string;
  name: string;
  json: boolean;
  /** `--to COMMIT`: a kept version by (a prefix of) its commit; else the one before. */
  to?: string;
}
/** `autostack watch`: flags override the config's `interval` and `listen`. */
export interface WatchCommand {
  kind: "watch";
  config?: string;
  /** `--interval`, in ms. */
  interval?: number;
  /** `--listen`, e.g. `127.0.0.1:9000`. */
  listen?: string;
}
/** `autostack validate [PATH]`: lint a stacks checkout (docs/validate.md). */
export interface ValidateCommand {
  kind: "validate";
  /** The checkout to check: default `.`, or with `--config` the clone under its `base_dir`. */
  path?: string;
  /** Only with `--config`: the config's watched folders and defaults are used. */
  config?: string;
  json: boolean;
  /** Warnings fail the check too. */
  strict: boolean;
  /** `--age-key-file F`: every encrypted file must decrypt with its identities. */
  ageKeyFile?: string;
}
/** `autostack init --repo URL`: write a config (and units), then check it (docs/install.md#init). */
export interface InitCommand {
  kind: "init";
  /** Where to write the config: as for every command, else `./autostack.yaml`. */
  config?: string;
  /** `--repo`: the stacks repo (required). */
  repo: string;
  /** `--base-dir`, default {@link DEFAULT_BASE_DIR}. */
  baseDir: string;
  /** `--folders` (repeatable, or comma-separated), default `.`. */
  folders: string[];
  /** `--systemd`: write the systemd units too. */
  systemd: boolean;
  /** `--unit-dir`: where the units go, default {@link DEFAULT_UNIT_DIR}. */
  unitDir: string;
}

/** The base dir `init` writes, and the packaged units' (docs/install.md). */
export const DEFAULT_BASE_DIR = "/var/lib/autostack";
/** Where `init --systemd` writes the units. */
export const DEFAULT_UNIT_DIR = "/etc/systemd/system";

/** `autostack help [COMMAND]` / `COMMAND --help`, `--version`. */
export type InfoCommand = { kind: "help"; command?: string } | { kind: "version" };

/** A parsed command line. */
export type Command =
  | RunCommand
  | StatusCommand
  | HistoryCommand
  | BadCommand
  | RollbackCommand
  | WatchCommand
  | ValidateCommand
  | InitCommand
  | InfoCommand;

const COMMON = {
  config: { type: "string", short: "c" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

/**
 * Whether the command only prints (changes nothing): when its stdout closes
 * (`| head`), it may simply stop, with exit 0.
 */
export function onlyPrints(command: Command): boolean {
  switch (command.kind) {
    case "run":
      return command.dryRun;
    case "bad":
      return command.action === "list";
    case "rollback":
    case "watch":
    case "init":
      return false;
    default:
      return true;
  }
}

/** `(see autostack COMMAND --help)`: where a usage error points. */
function hint(command: string): string {
  const name = command.split(" ")[0]!;
  return `(see autostack ${name === "" ? "help" : `${name} --help`})`;
}

/** A {@link UsageError} naming the command, with the hint to its help. */
function wrong(command: string, message: string, cause?: unknown): UsageError {
  return new UsageError(`${command}: ${message} ${hint(command)}`, { cause });
}

/** The flag an error of parseArgs names (`--limit`, `-x`), from its message. */
function flagOf(message: string): string {
  const named = /'(-[^', ]*)(?:, (--[^' ]+))?/.exec(message);
  return named?.[2] ?? named?.[1] ?? "a flag";
}

/**
 * parseArgs with errors in our words: one line naming the flag and the fix.
 * A string flag's value that starts with a dash and a digit (`--limit -1`) is
 * passed on as the value, so the command says what values are allowed.
 */
function parse<O extends ParseArgsOptionsConfig>(command: string, args: string[], options: O) {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const flag = arg.startsWith("--") ? arg.slice(2) : undefined;
    const spec = flag === undefined
      ? Object.values(options).find((o) => o.short !== undefined && `-${o.short}` === arg)
      : options[flag];
    if (spec?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  try {
    return parseArgs({ args: joined, allowPositionals: true, strict: true, options });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof Error && "code" in error ? String(error.code) : "";
    const flag = flagOf(message);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      throw wrong(command, `unknown flag ${flag}`, error);
    }
    if (/argument missing|ambiguous/.test(message)) {
      throw wrong(command, `${flag} needs a value`, error);
    }
    if (/does not take an argument/.test(message)) {
      throw wrong(command, `${flag} takes no value`, error);
    }
    throw wrong(command, message.split("\n")[0]!, error);
  }
}

function noPositionals(command: string, positionals: string[]): void {
  if (positionals.length > 0) {
    throw wrong(command, `unexpected argument "${positionals[0]}"`);
  }
}

/** `unknown command "X"`, with the closest command when there is one. */
function unknownCommand(name: string): UsageError {
  const close = Object.keys(COMMANDS).find((c) => c.startsWith(name.slice(0, 3)));
  const maybe = close === undefined || name.length < 3 ? "" : ` (did you mean ${close}?)`;
  return new UsageError(`unknown command "${name}"${maybe} (see autostack help)`);
}

/** Parses argv (without the program name) into a {@link Command}. Pure. */
export function parseCommand(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") return { kind: "help" };
  if (name === "help") {
    const [topic, ...extra] = rest;
    if (topic === undefined) return { kind: "help" };
    if (!Object.hasOwn(COMMANDS, topic)) throw unknownCommand(topic);
    noPositionals("help", extra);
    return { kind: "help", command: topic };
  }
  if (name === "--version" || name === "version") return { kind: "version" };
  if (!Object.hasOwn(COMMANDS, name)) {
    if (name.startsWith("-")) {
      throw new UsageError(`unknown flag ${name}: a command comes first (see autostack help)`);
    }
    throw unknownCommand(name);
  }
  // `--help` anywhere but after `--`: the command's own help.
  const end = rest.indexOf("--");
  const flags = end === -1 ? rest : rest.slice(0, end);
  if (flags.includes("--help") || flags.includes("-h")) return { kind: "help", command: name };
  switch (name) {
    case "run":
      return parseRun(rest);
    case "status": {
      const { values, positionals } = parse(name, rest, {
        ...COMMON,
        check: { type: "boolean", default: false },
      });
      noPositionals(name, positionals);
      return { kind: "status", config: values.config, json: values.json, check: values.check };
    }
    case "history":
      return parseHistory(rest);
    case "bad":
      return parseBad(rest);
    case "rollback":
      return parseRollback(rest);
    case "watch":
      return parseWatch(rest);
    case "init":
      return parseInit(rest);
    default:
      return parseValidate(rest);
  }
}

function parseRun(args: string[]): RunCommand {
  const { values, positionals } = parse("run", args, {
    ...COMMON,
    "dry-run": { type: "boolean", default: false },
    stack: { type: "string", multiple: true, default: [] },
    force: { type: "boolean", default: false },
  });
  noPositionals("run", positionals);
  return {
    kind: "run",
    config: values.config,
    dryRun: values["dry-run"],
    stacks: values.stack,
    force: values.force,
    json: values.json,
  };
}

function parseHistory(args: string[]): HistoryCommand {
  const { values, positionals } = parse("history", args, {
    ...COMMON,
    stack: { type: "string", multiple: true, default: [] },
    limit: { type: "string" },
    since: { type: "string" },
  });
  noPositionals("history", positionals);
  let limit = HISTORY_LIMIT;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!/^\d+$/.test(values.limit)) {
      throw wrong(
        "history",
        `--limit must be a whole number, 0 or more (0 for all): "${values.limit}"`,
      );
    }
  }
  const since = values.since === undefined ? undefined : parseDuration(values.since);
  if (values.since !== undefined && !(since !== undefined && since > 0)) {
    throw wrong("history", `--since must be a duration such as 2d, 12h or 30m: "${values.since}"`);
  }
  return {
    kind: "history",
    config: values.config,
    stacks: values.stack,
    limit,
    ...(since === undefined ? {} : { since }),
    json: values.json,
  };
}

function parseBad(args: string[]): BadCommand {
  const { values, positionals } = parse("bad", args, COMMON);
  const [action, name, ...extra] = positionals;
  if (action === undefined || action === "list") {
    noPositionals("bad list", name === undefined ? [] : [name]);
    return { kind: "bad", action: "list", config: values.config, json: values.json };
  }
  if (action !== "clear") throw wrong("bad", `unknown action "${action}": list or clear NAME`);
  if (name === undefined) throw wrong("bad clear", "expected a stack name");
  noPositionals("bad clear", extra);
  return { kind: "bad", action: "clear", name, config: values.config, json: values.json };
}

function parseRollback(args: string[]): RollbackCommand {
  const { values, positionals } = parse("rollback", args, { ...COMMON, to: { type: "string" } });
  if (positionals.length === 0) throw wrong("rollback", "expected a stack name");
  noPositionals("rollback", positionals.slice(1));
  if (values.to !== undefined && !/^[0-9a-f]{4,40}$/.test(values.to)) {
    throw wrong("rollback", `--to must be a commit (4 to 40 hex digits): "${values.to}"`);
  }
  const to = values.to === undefined ? {} : { to: values.to };
  return {
    kind: "rollback",
    config: values.config,
    name: positionals[0]!,
    json: values.json,
    ...to,
  };
}

function parseWatch(args: string[]): WatchCommand {
  const { values, positionals } = parse("watch", args, {
    config: COMMON.config,
    help: COMMON.help,
    interval: { type: "string" },
    listen: { type: "string" },
  });
  noPositionals("watch", positionals);
  const interval = values.interval === undefined ? undefined : parseDuration(values.interval);
  if (values.interval !== undefined && !(interval !== undefined && interval > 0)) {
    throw wrong(
      "watch",
      `--interval must be a positive duration such as 30s or 5m: "${values.interval}"`,
    );
  }
  if (values.listen !== undefined && parseListen(values.listen) === undefined) {
    throw wrong("watch", `--listen ${LISTEN_HINT}: "${values.listen}"`);
  }
  return { kind: "watch", config: values.config, interval, listen: values.listen };
}

/** `init --repo URL [--base-dir D] [--folders F]... [--systemd [--unit-dir D]]`. */
export function parseInit(args: string[]): InitCommand {
  const { values, positionals } = parse("init", args, {
    config: COMMON.config,
    help: COMMON.help,
    repo: { type: "string" },
    "base-dir": { type: "string", default: DEFAULT_BASE_DIR },
    folders: { type: "string", multiple: true, default: [] },
    systemd: { type: "boolean", default: false },
    "unit-dir": { type: "string" },
  });
  noPositionals("init", positionals);
  if (values.repo === undefined || values.repo.trim() === "") {
    throw wrong("init", "--repo URL is required: the git URL or path of the stacks repo");
  }
  if (values["unit-dir"] !== undefined && !values.systemd) {
    throw wrong("init", "--unit-dir needs --systemd");
  }
  const folders = values.folders.flatMap((f) => f.split(",")).map((f) => f.trim())
    .filter((f) => f !== "");
  return {
    kind: "init",
    config: values.config,
    repo: values.repo,
    baseDir: values["base-dir"],
    folders: folders.length === 0 ? ["."] : folders,
    systemd: values.systemd,
    unitDir: values["unit-dir"] ?? DEFAULT_UNIT_DIR,
  };
}

/** `validate [PATH]`: the config is read only when `--config` is given, never from the environment. */
export function parseValidate(args: string[]): ValidateCommand {
  const { values, positionals } = parse("validate", args, {
    ...COMMON,
    strict: { type: "boolean", default: false },
    "age-key-file": { type: "string" },
  });
  const [path, ...extra] = positionals;
  noPositionals("validate", extra);
  const ageKeyFile = values["age-key-file"];
  return {
    kind: "validate",
    ...(path === undefined ? {} : { path }),
    config: values.config,
    json: values.json,
    strict: values.strict,
    ...(ageKeyFile === undefined ? {} : { ageKeyFile }),
  };
}
