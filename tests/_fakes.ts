/**
 * Fakes of the outside world for unit tests: a process runner and a Docker
 * engine that answer from a function and record every call, and loggers that
 * keep or drop lines.
 * @module
 */
import {
  type Engine,
  type EngineReply,
  type EngineRequest,
  NoEngineSocketError,
} from "../lib/docker/mod.ts";
import { type Logger, streamLogger } from "../lib/log.ts";
import type { Runner, RunOptions, RunResult } from "../lib/process.ts";

/** A fake runner for unit tests: answers each call with `answer(cmd)` and records it. */
export function fakeRunner(
  answer: (cmd: readonly string[], options: RunOptions) => Partial<RunResult> | undefined,
): Runner & { calls: { cmd: string[]; options: RunOptions }[] } {
  const calls: { cmd: string[]; options: RunOptions }[] = [];
  return {
    calls,
    run(cmd, options = {}) {
      calls.push({ cmd: [...cmd], options });
      const result = answer(cmd, options) ?? {};
      return Promise.resolve({ code: 0, stdout: "", stderr: "", ...result });
    },
  };
}

/**
 * A fake Docker engine for unit tests: answers each request with
 * `answer(request)` (default: 200 and an empty list) and records it.
 */
export function fakeEngine(
  answer: (request: EngineRequest) => Partial<EngineReply> | undefined = () => undefined,
): Engine & { calls: EngineRequest[] } {
  const calls: EngineRequest[] = [];
  return {
    calls,
    request(request) {
      calls.push(request);
      return Promise.resolve({ status: 200, body: [], ...answer(request) });
    },
  };
}

/**
 * An engine with no socket to speak to, as behind `DOCKER_HOST=tcp://…`:
 * reads that can go through the docker CLI do (the runner's).
 */
export const noSocketEngine: Engine = {
  request: () => Promise.reject(new NoEngineSocketError("no engine socket (tcp://)")),
};

/** A logger that keeps its lines in memory, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = streamLogger("debug", (line) => lines.push(line));
  return Object.assign(logger, { lines });
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
