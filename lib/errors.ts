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
  constructor(stack: string, message: string, options?: ErrorOptions & { exitCode?: number }) {
    super(`stack "${stack}": ${message}`, options);
    this.stackName = stack;
  }
}

/** A git command failed (fetch, clone, rev-parse …); the URL is already redacted. */
export class GitError extends AutostackError {}

/** A compose or docker command failed. */
export class ComposeError extends AutostackError {}

/**
 * The host failed, not a stack: Docker does not answer, the disk is full, the
 * state folder is not writable. The run stops with this one line; nothing is
 * recorded against a stack and nothing is marked bad, so the next run, on a
 * host that works again, deploys what is left to deploy.
 */
export class HostError extends AutostackError {}

/** The Docker daemon does not answer (stopped, crashed, a wrong `DOCKER_HOST`). */
export class DockerDownError extends HostError {
  /** `detail` is what the docker CLI said. */
  constructor(detail: string) {
    super(`Docker does not answer: ${detail}`);
  }
}

// What a docker CLI prints when it cannot reach the daemon (local socket or DOCKER_HOST).
const DAEMON_DOWN =
  /Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|dial unix [^:]*docker\.sock/i;

/** Whether a docker or compose error output says the daemon did not answer. */
export function daemonDown(stderr: string): boolean {
  return DAEMON_DOWN.test(stderr);
}

/**
 * The error as a {@link HostError} when it is a host's fault (no space left,
 * no permission, a read-only file system), else `undefined`.
 */
export function hostFault(error: unknown): HostError | undefined {
  if (error instanceof HostError) return error;
  if (!(error instanceof Error)) return undefined;
  const code = "code" in error ? String(error.code) : "";
  const denied = error instanceof Deno.errors.PermissionDenied || code === "EACCES" ||
    code === "EPERM";
  if (code === "ENOSPC" || /No space left on device|os error 28\b/.test(error.message)) {
    return new HostError(`no space left on the device: ${error.message}`, { cause: error });
  }
  if (denied) return new HostError(`permission denied: ${error.message}`, { cause: error });
  if (code === "EROFS" || /Read-only file system/.test(error.message)) {
    return new HostError(`read-only file system: ${error.message}`, { cause: error });
  }
  return undefined;
}

/** Returns the message of any thrown value, for log lines. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
