/**
 * The `pre_deploy` / `post_deploy` scripts (docs/how-it-works.md#scripts):
 * `sh -c COMMAND` in the stack's folder of the clone, with the `AUTOSTACK_*`
 * variables and a time limit. Output goes to the log line by line and, cut to
 * its last lines, back to the caller for the history entry. A script may print
 * without end: each line costs O(1) and is cut at {@link MAX_LINE_CHARS}.
 *
 * This is the one place that starts a process with `Deno.Command` instead of
 * the dax {@link import("../process.ts").Runner}: a script must run in its own
 * process group so a timeout kills everything it started (`sleep 100 &`
 * included), and dax neither starts a new group nor kills one.
 * @module
 */
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";

/** One script to run. */
export interface ScriptRun {
  /** Which hook this is; also passed as `AUTOSTACK_PHASE`. */
  phase: "pre_deploy" | "post_deploy";
  /** The command, handed to `sh -c`. */
  command: string;
  /** The working directory: the stack's folder in the repo clone. */
  cwd: string;
  /** Kill the script (and every process it started) after this many milliseconds. */
  timeoutMs: number;
  /** The variables of docs/how-it-works.md#scripts, set on top of the inherited environment. */
  env: {
    AUTOSTACK_STACK: string;
    AUTOSTACK_COMMIT: string;
    AUTOSTACK_TREE: string;
    AUTOSTACK_PREVIOUS_COMMIT: string;
    AUTOSTACK_RUNNING_DIR: string;
  };
}

/** How a script ended. */
export interface ScriptResult {
  /** Exited 0 within its time. */
  ok: boolean;
  /** Exit code; 124 when the time limit killed it, 127 when it could not start. */
  code: number;
  /** The time limit killed it. */
  timedOut: boolean;
  /** Standard output and error, interleaved as written (the last MiB at most). */
  output: string;
  /** The last {@link TAIL_LINES} lines of {@link output}, for the history entry. */
  tail: string;
}

/** How many lines of output {@link ScriptResult.tail} keeps. */
export const TAIL_LINES = 20;
const MAX_OUTPUT_CHARS = 1 << 20;
/** How much of one line is kept and logged (4 KiB); the rest is cut, and the line says so. */
export const MAX_LINE_CHARS = 4096;
/** How long to wait for the output to end once the script itself has exited. */
const DRAIN_MS = 1000;

/** Runs one script to its end or its time limit; never throws for a failing script. */
export async function runScript(run: ScriptRun, logger: Logger): Promise<ScriptResult> {
  const prefix = `[${run.env.AUTOSTACK_STACK} ${run.phase}] `;
  const output = new OutputLines((line) => logger.info(prefix + line));
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("sh", {
      // The outer shell sends stderr into the stdout pipe, then becomes `sh -c
      // COMMAND`: one pipe keeps both streams in the order they were written.
      args: ["-c", 'exec "$@" 2>&1', "sh", "sh", "-c", run.command],
      cwd: run.cwd,
      env: { ...run.env, AUTOSTACK_PHASE: run.phase },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      // detached = setsid(): the script leads a new process group we can kill whole.
      detached: true,
    }).spawn();
  } catch (error) {
    const message = `could not start the ${run.phase} script in ${run.cwd}: ${errorMessage(error)}`;
    return { ok: false, code: 127, timedOut: false, output: message, tail: message };
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, run.timeoutMs);
  const readers = [child.stdout.getReader(), child.stderr.getReader()];
  const reading = Promise.all(readers.map((reader) => pump(reader, output)));
  const status = await child.status;
  clearTimeout(timer);
  await finishReading(reading, readers, child.pid, prefix, logger);
  output.flush();
  if (timedOut) output.add(`killed after ${run.timeoutMs} ms (script_timeout)`);
  const code = timedOut ? 124 : status.code;
  return { ok: !timedOut && status.success, code, timedOut, ...output.result() };
}

/**
 * Waits for the output pipes to close. A process the script left running in
 * the background can hold them open for ever: it is part of the script, so
 * after a grace period its group is killed, and as a last resort (a process
 * that left the group) reading stops.
 */
async function finishReading(
  reading: Promise<unknown>,
  readers: ReadableStreamDefaultReader<Uint8Array>[],
  pid: number,
  prefix: string,
  logger: Logger,
): Promise<void> {
  if (await settlesWithin(reading, DRAIN_MS)) return;
  logger.warn(`${prefix}the script exited but left processes holding its output; killing them`);
  killGroup(pid);
  if (await settlesWithin(reading, DRAIN_MS)) return;
  await Promise.all(readers.map((reader) => reader.cancel()));
  await reading;
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends SIGKILL to the whole process group led by `pid`; a group already gone is fine. */
function killGroup(pid: number): void {
  try {
    Deno.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: every process of the group has exited already.
  }
}

async function pump(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  output: OutputLines,
): Promise<void> {
  const decoder = new TextDecoder();
  const stream = output.stream();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    stream.push(decoder.decode(value, { stream: true }));
  }
  stream.push(decoder.decode());
  stream.end();
}

/**
 * Collects output lines from one or more streams, logs each, and keeps the
 * last MiB. The kept lines are a queue whose head moves instead of shifting
 * the array (a shift per line made 50 MB of short lines take 30 s).
 */
class OutputLines {
  #lines: string[] = [];
  #head = 0;
  #chars = 0;
  #cut = 0;
  #open = new Set<{ end(): void }>();
  readonly #onLine: (line: string) => void;

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  /**
   * A line splitter for one stream: a partial line waits for the rest of it,
   * but only its first {@link MAX_LINE_CHARS} are kept (50 MB on one line
   * once took 800 MB); the rest is counted.
   */
  stream(): { push(text: string): void; end(): void } {
    let partial = "";
    let dropped = 0;
    const handle = {
      push: (text: string) => {
        let from = 0;
        while (from <= text.length) {
          const newline = text.indexOf("\n", from);
          const to = newline === -1 ? text.length : newline;
          const room = MAX_LINE_CHARS - partial.length;
          if (to - from <= room) partial += text.slice(from, to);
          else {
            partial += text.slice(from, from + room);
            dropped += to - from - room;
          }
          if (newline === -1) return;
          this.add(partial, dropped);
          partial = "";
          dropped = 0;
          from = newline + 1;
        }
      },
      end: () => {
        if (partial !== "" || dropped > 0) this.add(partial, dropped);
        partial = "";
        dropped = 0;
        this.#open.delete(handle);
      },
    };
    this.#open.add(handle);
    return handle;
  }

  /** Ends every stream still open (reading was cancelled). */
  flush(): void {
    for (const stream of [...this.#open]) stream.end();
  }

  /** Adds one line, of which `dropped` more characters were cut. */
  add(raw: string, dropped = 0): void {
    const text = dropped === 0 && raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const line = dropped > 0 ? `${text} [… ${dropped} more characters cut]` : text;
    this.#onLine(line);
    this.#lines.push(line);
    this.#chars += line.length + 1;
    while (this.#chars > MAX_OUTPUT_CHARS && this.#lines.length - this.#head > 1) {
      this.#chars -= (this.#lines[this.#head] ?? "").length + 1;
      this.#lines[this.#head++] = "";
      this.#cut++;
    }
    // Drop the dead head now and then: amortized O(1), and the array stays at most twice its lines.
    if (this.#head > 1024 && this.#head * 2 > this.#lines.length) {
      this.#lines = this.#lines.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The output and its tail. */
  result(): { output: string; tail: string } {
    const lines = this.#lines.slice(this.#head);
    const cut = this.#cut > 0 ? [`[… ${this.#cut} earlier lines cut]`] : [];
    return {
      output: [...cut, ...lines].join("\n"),
      tail: lines.slice(-TAIL_LINES).join("\n"),
    };
  }
}
