/**
 * The autostack executable: the only place that reads `Deno.args` and the
 * environment and exits. Expected failures print one line and exit with their
 * code; anything else is a bug and keeps its stack trace.
 * @module
 */
import { main } from "./lib/app.ts";
import { type Command, onlyPrints, parseCommand } from "./lib/cli.ts";
import { socketEngine } from "./lib/docker/mod.ts";
import { AutostackError, hostFault } from "./lib/errors.ts";
import { levelFromEnv, streamLogger } from "./lib/log.ts";
import { daxRunner } from "./lib/process.ts";

const encoder = new TextEncoder();
const writeLine = (stream: { writeSync(p: Uint8Array): number }) => (line: string) => {
  const bytes = encoder.encode(`${line}\n`);
  let written = 0;
  while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
};
const err = writeLine(Deno.stderr);
const env = Deno.env.toObject();

// A closed stdout (`autostack history | head -1`) is a normal end, not a crash: later
// lines are dropped, a run still finishes its deploys, and a command that only
// prints exits 0.
let stdoutClosed = false;
let printed = false;
const writeOut = writeLine(Deno.stdout);
const out = (line: string) => {
  printed = true;
  if (stdoutClosed) return;
  try {
    writeOut(line);
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    stdoutClosed = true;
  }
};
let command: Command | undefined;
try {
  command = parseCommand(Deno.args);
} catch {
  // main() parses again and throws the usage error where it is handled.
}
// With --json, a failure is a JSON document on stdout too (docs/json-output.md#errors).
const json = command === undefined
  ? Deno.args.includes("--json")
  : "json" in command && command.json;

const log = levelFromEnv(env.AUTOSTACK_LOG);
if (log.warning !== undefined) err(`autostack: warning: ${log.warning}`);

// Test hook: AUTOSTACK_TEST_KILL_AT=STEP[:STACK] makes the process kill itself
// (SIGKILL, as a crash or `kill -9` would) at that deploy step, so the e2e tests
// can prove a run killed there converges on the next one.
const killAt = env.AUTOSTACK_TEST_KILL_AT;
const checkpoint = killAt
  ? (step: string, stack: string) => {
    if (killAt === step || killAt === `${step}:${stack}`) Deno.kill(Deno.pid, "SIGKILL");
  }
  : undefined;

// `watch` stops on SIGTERM/SIGINT after its current run; a second signal exits at once
// (a deploy killed midway is redone by the next run, docs/how-it-works.md#deploy-steps).
let stop: AbortController | undefined;
const stopSignal = () => {
  if (stop) return stop.signal;
  const controller = stop = new AbortController();
  for (const name of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(name, () => {
      if (controller.signal.aborted) {
        err(`autostack: ${name} again: exiting now`);
        Deno.exit(130);
      }
      err(`autostack: ${name}: stopping after the current run`);
      controller.abort();
    });
  }
  return controller.signal;
};

try {
  const code = await main(Deno.args, {
    runner: daxRunner,
    engine: socketEngine(env),
    fetch: (input, init) => fetch(input, init),
    logger: streamLogger(log.level, err),
    env,
    cwd: Deno.cwd(),
    hostname: Deno.hostname(),
    pid: Deno.pid,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    out,
    err,
    isTerminal: Deno.stderr.isTerminal(),
    checkpoint,
    stopSignal,
  });
  Deno.exit(stdoutClosed && command !== undefined && onlyPrints(command) ? 0 : code);
} catch (error) {
  // A full disk or a state folder we may not write is the host's fault: one line too.
  const expected = error instanceof AutostackError ? error : hostFault(error);
  if (expected === undefined) throw error;
  for (const line of expected.message.split("\n")) err(`autostack: ${line}`);
  // One document: a run that printed its outcomes before a host fault stopped it keeps those.
  if (json && !printed) {
    // Loaded here only: the commands are most of autostack, loaded after a run's fetch starts.
    const { errorJson } = await import("./lib/commands/mod.ts");
    out(errorJson(expected.message, expected.exitCode));
  }
  Deno.exit(expected.exitCode);
}
