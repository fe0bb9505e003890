/**
 * The one door to child processes. Every `git`, `docker` and script call goes
 * through a {@link Runner}, built on dax with arguments as arrays (never a
 * string handed to a shell), so modules can be unit-tested with a fake.
 * @module
 */
import $ from "dax";

/** What a finished process left behind. */
export interface RunResult {
  /** Exit code (124 when the time limit killed it). */
  code: number;
  /** Standard output, decoded as UTF-8. */
  stdout: string;
  /** Standard error, decoded as UTF-8. */
  stderr: string;
}

/** Options for one process. */
export interface RunOptions {
  /** Working directory. */
  cwd?: string;
  /** Extra environment variables, on top of the inherited environment. */
  env?: Record<string, string>;
  /** Text written to standard input. */
  stdin?: string;
  /** Kill the process after this many milliseconds. */
  timeoutMs?: number;
}

/** Runs a command given as an argument array and captures its output. */
export interface Runner {
  /** Runs `cmd` (program first) to the end; never throws on a non-zero exit. */
  run(cmd: readonly string[], options?: RunOptions): Promise<RunResult>;
}

/** The last non-empty lines of a command's output, for error messages. */
export function tail(text: string, lines = 10): string {
  return text.split("\n").map((l) => l.trimEnd()).filter((l) => l !== "").slice(-lines).join(
    "\n",
  );
}

/** The real runner, on dax. */
export const daxRunner: Runner = {
  async run(cmd, options = {}) {
    if (cmd.length === 0) throw new TypeError("run(): empty command");
    let builder = $`${[...cmd]}`.noThrow().quiet().stdin("null");
    if (options.stdin !== undefined) builder = builder.stdinText(options.stdin);
    if (options.cwd !== undefined) builder = builder.cwd(options.cwd);
    if (options.env !== undefined) builder = builder.env(options.env);
    if (options.timeoutMs !== undefined) builder = builder.timeout(options.timeoutMs);
    const result = await builder;
    return { code: result.code, stdout: result.stdout, stderr: result.stderr };
  },
};
