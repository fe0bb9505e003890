/**
 * The command line (docs/how-it-works.md#commands): one pure parser per
 * command, built on `node:util` parseArgs, turning argv into a typed {@link
 * Command}. Wrong usage throws {@link UsageError} (exit 2) naming the flag or
 * value.
 * @module
 */
import { parseArgs } from "node:util";
import { parseDuration } from "./duration.ts";
import { UsageError } from "./errors.ts";
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
  limit?: number;
  json: boolean;
}
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
  /** The checkout to check (default `.`). */
  path: string;
  /** Only with `--config`: the config's watched folders and defaults are used. */
  config?: string;
  json: boolean;
  /** Warnings fail the check too. */
  strict: boolean;
}
/** `autostack help` / `--help`, `--version`. */
export interface InfoCommand {
  kind: "help" | "version";
}

/** A parsed command line. */
export type Command =
  | RunCommand
  | StatusCommand
  | HistoryCommand
  | BadCommand
  | RollbackCommand
  | WatchCommand
  | ValidateCommand
  | InfoCommand;

/** The help text. */
export const HELP =
  `autostack: deploy the Docker Compose stacks of a git repo, roll back what is not healthy

Usage:
  autostack run      [--config F] [--dry-run] [--stack NAME]... [--force] [--json]
  autostack status   [--config F] [--json] [--check]   --check: exit 1 unless all healthy
  autostack history  [--config F] [--stack NAME] [--limit N] [--json]
  autostack bad      list | clear NAME  [--config F]
  autostack rollback NAME [--to COMMIT] [--config F]
  autostack watch    [--config F] [--interval 60s] [--listen ADDR]
  autostack validate [PATH] [--config F] [--json] [--strict]   lint a stacks checkout, for its CI

Config: --config F, else $AUTOSTACK_CONFIG, else ./autostack.yaml (validate: --config F only).
Exit codes: 0 all healthy or unchanged, 1 a stack failed, 2 bad config or usage,
75 another run holds the lock. validate: 1 on errors (with --strict, on warnings too).`;

const COMMON = {
  config: { type: "string", short: "c" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

function plain(args: string[]) {
  return { args, allowPositionals: true, options: COMMON };
}

/** Runs a parseArgs call, turning its errors into a {@link UsageError} naming the command. */
function usage<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UsageError(`${command}: ${message}`, { cause: error });
  }
}

function noPositionals(command: string, positionals: string[]): void {
  if (positionals.length > 0) {
    throw new UsageError(`${command}: unexpected argument "${positionals[0]}"`);
  }
}

/** Parses argv (without the program name) into a {@link Command}. Pure. */
export function parseCommand(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    return { kind: "help" };
  }
  if (name === "--version" || name === "version") return { kind: "version" };
  if (rest.includes("--help") || rest.includes("-h")) return { kind: "help" };
  switch (name) {
    case "run":
      return parseRun(rest);
    case "status": {
      const { values, positionals } = usage(name, () =>
        parseArgs({
          args: rest,
          allowPositionals: true,
          options: { ...COMMON, check: { type: "boolean", default: false } },
        }));
      noPositionals(name, positionals);
      return { kind: "status", config: values.config, json: values.json, check: values.check };
    }
    case "history":
      return parseHistory(rest);
    case "bad":
      return parseBad(rest);
    case "rollback": {
      const { values, positionals } = usage(name, () =>
        parseArgs({
          args: rest,
          allowPositionals: true,
          options: { ...COMMON, to: { type: "string" } },
        }));
      if (positionals.length !== 1) throw new UsageError("rollback: expected one stack name");
      if (values.to !== undefined && !/^[0-9a-f]{4,40}$/.test(values.to)) {
        throw new UsageError(
          `rollback: --to must be a commit (4 to 40 hex digits): "${values.to}"`,
        );
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
    case "watch":
      return parseWatch(rest);
    case "validate":
      return parseValidate(rest);
    default:
      throw new UsageError(`unknown command "${name}" (try: autostack help)`);
  }
}

function parseRun(args: string[]): RunCommand {
  const { values, positionals } = usage("run", () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...COMMON,
        "dry-run": { type: "boolean", default: false },
        stack: { type: "string", multiple: true, default: [] },
        force: { type: "boolean", default: false },
      },
    }));
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
  const { values, positionals } = usage("history", () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...COMMON,
        stack: { type: "string", multiple: true, default: [] },
        limit: { type: "string" },
      },
    }));
  noPositionals("history", positionals);
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) {
      throw new UsageError(`history: --limit must be a positive integer: "${values.limit}"`);
    }
  }
  return { kind: "history", config: values.config, stacks: values.stack, limit, json: values.json };
}

function parseBad(args: string[]): BadCommand {
  const { values, positionals } = usage("bad", () => parseArgs(plain(args)));
  const [action, name, ...extra] = positionals;
  if (action === undefined || action === "list") {
    noPositionals("bad list", name === undefined ? [] : [name]);
    return { kind: "bad", action: "list", config: values.config, json: values.json };
  }
  if (action !== "clear") throw new UsageError(`bad: unknown action "${action}" (list or clear)`);
  if (name === undefined) throw new UsageError("bad clear: expected a stack name");
  noPositionals("bad clear", extra);
  return { kind: "bad", action: "clear", name, config: values.config, json: values.json };
}

function parseWatch(args: string[]): WatchCommand {
  const { values, positionals } = usage("watch", () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: COMMON.config,
        interval: { type: "string" },
        listen: { type: "string" },
      },
    }));
  noPositionals("watch", positionals);
  const interval = values.interval === undefined ? undefined : parseDuration(values.interval);
  if (values.interval !== undefined && !(interval !== undefined && interval > 0)) {
    throw new UsageError(
      `watch: --interval must be a positive duration such as 30s or 5m: "${values.interval}"`,
    );
  }
  if (values.listen !== undefined && parseListen(values.listen) === undefined) {
    throw new UsageError(
      `watch: --listen ${LISTEN_HINT}: "${values.listen}"`,
    );
  }
  return { kind: "watch", config: values.config, interval, listen: values.listen };
}

/** `validate [PATH]`: the config is read only when `--config` is given, never from the environment. */
export function parseValidate(args: string[]): ValidateCommand {
  const { values, positionals } = usage("validate", () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: { ...COMMON, strict: { type: "boolean", default: false } },
    }));
  const [path = ".", ...extra] = positionals;
  noPositionals("validate", extra);
  return {
    kind: "validate",
    path,
    config: values.config,
    json: values.json,
    strict: values.strict,
  };
}
