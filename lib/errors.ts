/**
 * Error classes for the failures autostack expects. Each carries the exit code
 * of docs/how-it-works.md#exit-codes; `main.ts` prints `error.message` on one
 * line and exits with it. Anything that is not an {@link AutostackError} is a
 * bug and keeps its trace.
 * @module
 */

/** An expected failure: printed as one line, exits with {@link exitCode}. */
export class AutostackError extends Error {
  /** The process exit code this failure maps to. */
  readonly exitCode: number;

  /** Creates an expected error with its exit code (1 unless given). */
  constructor(message: string, options?: ErrorOptions & { exitCode?: number }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** Bad configuration: every problem found, one line each (exit 2). */
export class ConfigError extends AutostackError {
  /** One entry per problem, each already naming its key and value. */
  readonly problems: readonly string[];

  /** Creates a config error from one or more problem lines. */
  constructor(problems: readonly string[] | string, options?: ErrorOptions) {
    const list = typeof problems === "string" ? [problems] : problems;
    super(list.join("\n"), { ...options, exitCode: 2 });
    this.problems = list;
  }
}

/** Wrong command line (exit 2). */
export class UsageError extends AutostackError {
  /** Creates a usage error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, exitCode: 2 });
  }
}

/** Another run holds the lock (exit 75, EX_TEMPFAIL: cron may simply retry). */
export class LockedError extends AutostackError {
  /** Creates a lock error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, exitCode: 75 });
  }
}

/** A failure that concerns one stack; its message starts with `stack "NAME": `. */
export class StackError extends AutostackError {
  /** The stack the failure belongs to. */
  readonly stackName: string;

  /** Creates a stack error; `message` is prefixed with the stack's name. */
  constructor(stack: string, message: string, options?: ErrorOptions) {
    super(`stack "${stack}": ${message}`, options);
    this.stackName = stack;
  }
}

/** A git command failed (fetch, clone, rev-parse …); the URL is already redacted. */
export class GitError extends AutostackError {}

/** A compose or docker command failed. */
export class ComposeError extends AutostackError {}

/** Returns the message of any thrown value, for log lines. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
