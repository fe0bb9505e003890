/**
 * The outside world a command needs, gathered in one object that `main.ts`
 * builds from the real process and tests build from fakes: processes, HTTP,
 * clock, output streams, logger, environment.
 * @module
 */
import type { Engine } from "./docker/mod.ts";
import type { Logger } from "./log.ts";
import type { Runner } from "./process.ts";

/** Everything a command may touch outside its own logic. */
export interface Deps {
  /** Runs git, docker and scripts. */
  runner: Runner;
  /** The Docker Engine API (the swarm's looks, docs/swarm.md). */
  engine: Engine;
  /** The HTTP client for image registries (docs/image-updates.md). */
  fetch: typeof fetch;
  /** Where warnings and progress go (stderr). */
  logger: Logger;
  /** The process environment (for `AUTOSTACK_*`). */
  env: Record<string, string | undefined>;
  /** The working directory, for relative paths. */
  cwd: string;
  /** This host's name (config `hostname` default). */
  hostname: string;
  /** This process's id (the lock records it). */
  pid: number;
  /** The clock. */
  now(): Date;
  /** Waits; tests pass a fake. */
  sleep(ms: number): Promise<void>;
  /** Writes one line of the command's result to stdout. */
  out(line: string): void;
  /** Writes one line to stderr (errors the operator must see). */
  err(line: string): void;
  /** Whether stderr is a terminal (progress bars only then). */
  isTerminal: boolean;
  /**
   * `watch` only: installs the SIGTERM/SIGINT handlers (lazily, so that `run`
   * keeps the default: a signal ends it) and returns the signal they abort.
   * Absent in tests that do not stop a watch.
   */
  stopSignal?: () => AbortSignal;
  /**
   * Test hook, called at named deploy steps (`after_stop`, `after_down`,
   * `after_clear`, `after_copy`, `waiting_health`, `rollback_after_down`; for a
   * canary `canary_after_copy`, `canary_waiting_health`, `canary_soak`,
   * `canary_after_switch`, `canary_drain`); the e2e tests make it kill the process
   * there to prove a killed run converges. Absent in normal use.
   */
  checkpoint?: (step: string, stack: string) => void;
}
