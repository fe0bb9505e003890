/**
 * The autostack executable: the only place that reads `Deno.args` and the
 * environment and exits. Expected failures print one line and exit with their
 * code; anything else is a bug and keeps its stack trace.
 * @module
 */
import { main } from "./lib/app.ts";
import { AutostackError, hostFault } from "./lib/errors.ts";
import { parseLevel, streamLogger } from "./lib/log.ts";
import { daxRunner } from "./lib/process.ts";

const encoder = new TextEncoder();
const writeLine = (stream: { writeSync(p: Uint8Array): number }) => (line: string) => {
  const bytes = encoder.encode(`${line}\n`);
  let written = 0;
  while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
};
const err = writeLine(Deno.stderr);
const env = Deno.env.toObject();

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
    logger: streamLogger(parseLevel(env.AUTOSTACK_LOG, "warn"), err),
    env,
    cwd: Deno.cwd(),
    hostname: Deno.hostname(),
    pid: Deno.pid,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    out: writeLine(Deno.stdout),
    err,
    isTerminal: Deno.stderr.isTerminal(),
    checkpoint,
    stopSignal,
  });
  Deno.exit(code);
} catch (error) {
  // A full disk or a state folder we may not write is the host's fault: one line too.
  const expected = error instanceof AutostackError ? error : hostFault(error);
  if (expected === undefined) throw error;
  for (const line of expected.message.split("\n")) err(`autostack: ${line}`);
  Deno.exit(expected.exitCode);
}
