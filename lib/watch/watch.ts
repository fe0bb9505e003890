/**
 * `autostack watch` (docs/watch-and-webhooks.md): run, sleep `interval` (plus a
 * little jitter), run again — forever, through any error — while push webhooks
 * ask for a run at once. The {@link Scheduler} owns the timing: never two runs
 * at once, and any number of triggers during a run lead to exactly one more.
 * Stopping is an AbortSignal from `main.ts` (SIGTERM/SIGINT): the current run
 * ends, then the loop returns 0.
 * @module
 */
import { abortableSleep } from "../sleep.ts";
import type { Config } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import { formatDuration } from "../duration.ts";
import { AutostackError, errorMessage, LockedError } from "../errors.ts";
import { Metrics, type RunResult } from "./metrics.ts";
import { gatherStatus } from "../commands/mod.ts";
import { startServer, type WatchStatus } from "./server.ts";
import type { HistoryEntry } from "../outcome.ts";
import { programOrigin, VERSION, versionLine } from "../about.ts";
import { gatherStatusPage, type LoopView } from "./status_data.ts";
import { renderStatusPage } from "./status_page.ts";

/** Time, as the scheduler sees it; tests pass a fake. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** The real clock, on `setTimeout`. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: abortableSleep,
};

/**
 * The pause after a run: `interval` plus up to 10 % of it (at most 30 s), so
 * that hosts started together do not all hit the git server in the same second.
 */
export function nextDelay(intervalMs: number, random: () => number = Math.random): number {
  return intervalMs + Math.floor(random() * Math.min(intervalMs * 0.1, 30_000));
}

/** Options of the {@link Scheduler}. */
export interface SchedulerOptions {
  /** One run; must not throw (the loop logs nothing itself). */
  run(reason: string): Promise<void>;
  /** The pause after each run, in ms (see {@link nextDelay}). */
  delay(): number;
  /** The clock. */
  clock: Clock;
  /** Aborted to stop: a sleep ends at once, a run is finished first. */
  signal: AbortSignal;
  /**
   * How long a trigger that wakes the loop waits before the run starts, so
   * the rest of a burst of pushes joins it (default 300 ms).
   */
  settleMs?: number;
}

/** Runs at start, after each pause, and on {@link trigger}; one run at a time. */
export class Scheduler {
  readonly #o: SchedulerOptions;
  #pending: string | undefined;
  #wake: AbortController | undefined;
  #running = false;
  #current: { reason: string; since: number } | undefined;
  #nextAt: number | undefined;

  /** Creates a scheduler; nothing runs before {@link loop}. */
  constructor(options: SchedulerOptions) {
    this.#o = options;
  }

  /** Whether a run is in progress. */
  get running(): boolean {
    return this.#running;
  }

  /** The run in progress: why it started and when (clock ms). */
  get current(): { reason: string; since: number } | undefined {
    return this.#current;
  }

  /** When the sleeping loop runs next (clock ms); `undefined` during a run. */
  get nextAt(): number | undefined {
    return this.#nextAt;
  }

  /**
   * Asks for a run now: a sleeping loop wakes; during a run, one more run is
   * queued, and further triggers join that same one (a burst of pushes is one run).
   */
  trigger(reason: string): void {
    this.#pending ??= reason;
    this.#wake?.abort();
  }

  /** Runs until the signal aborts; the first run starts at once. */
  async loop(): Promise<void> {
    const { signal, clock } = this.#o;
    let reason = "start";
    while (!signal.aborted) {
      // Cleared before the run: a trigger arriving during it queues the next one.
      this.#pending = undefined;
      this.#running = true;
      this.#current = { reason, since: clock.now() };
      try {
        await this.#o.run(reason);
      } finally {
        this.#running = false;
        this.#current = undefined;
      }
      if (signal.aborted) break;
      if (this.#pending === undefined) {
        this.#wake = new AbortController();
        const delay = this.#o.delay();
        this.#nextAt = clock.now() + delay;
        await clock.sleep(delay, AbortSignal.any([this.#wake.signal, signal]));
        this.#wake = undefined;
        this.#nextAt = undefined;
        if (this.#pending !== undefined && !signal.aborted) {
          await clock.sleep(this.#o.settleMs ?? 300, signal);
        }
      }
      reason = this.#pending ?? "interval";
    }
  }
}

/** One run as `watch` needs it: the run's exit code and the history entries it wrote. */
export type WatchRun = () => Promise<{ code: number; entries: readonly HistoryEntry[] }>;

/**
 * Runs the watch loop (and the server when `config.listen` is set) until
 * `deps.stopSignal()` aborts; returns the exit code (0).
 */
export async function watchCommand(
  config: Config,
  deps: Deps,
  runOne: WatchRun,
  clock: Clock = realClock,
): Promise<number> {
  const signal = deps.stopSignal?.() ?? new AbortController().signal;
  const metrics = new Metrics();
  const status: WatchStatus = {
    alive: true,
    running: false,
    runs: 0,
    started: deps.now().toISOString(),
    last_run: null,
  };
  const scheduler: Scheduler = new Scheduler({
    run: (reason) => tick({ config, deps, runOne, metrics, status, clock }, reason),
    delay: () => nextDelay(config.interval),
    clock,
    signal,
  });
  const loopStatus = () => ({ ...status, running: scheduler.running });
  let version: Promise<string> | undefined;
  const loop: LoopView = {
    status: loopStatus,
    run: () => scheduler.current,
    nextRunAt: () => scheduler.nextAt,
    version: () => version ??= programOrigin(deps.runner).then((o) => versionLine(VERSION, o)),
  };
  const server = config.listen === undefined ? undefined : startServer({
    listen: config.listen,
    secret: config.webhook_secret,
    branch: config.branch,
    metrics,
    statusPage: async () => renderStatusPage(await gatherStatusPage(config, deps, loop)),
    statusToken: config.status_token,
    status: loopStatus,
    trigger: (reason) => scheduler.trigger(reason),
    logger: deps.logger,
  });
  deps.logger.info(`watch: a run every ${formatDuration(config.interval)}`);
  try {
    await scheduler.loop();
  } finally {
    status.alive = false;
    await server?.shutdown();
  }
  deps.logger.info("watch: stopped");
  return 0;
}

interface TickContext {
  config: Config;
  deps: Deps;
  runOne: WatchRun;
  metrics: Metrics;
  status: WatchStatus;
  clock: Clock;
}

/** One run of the loop: never throws, whatever the run did. */
async function tick(ctx: TickContext, reason: string): Promise<void> {
  const { deps, metrics, clock } = ctx;
  const started = clock.now();
  deps.logger.debug(`watch: run (${reason})`);
  let result: RunResult;
  let code: number | null = null;
  let error: string | undefined;
  try {
    const report = await ctx.runOne();
    code = report.code;
    result = code === 0 ? "ok" : "failed";
    metrics.recordEntries(report.entries);
    // The run got past its fetch (a failed fetch throws).
    metrics.recordFetch(new Date(clock.now()));
  } catch (thrown) {
    error = errorMessage(thrown);
    result = thrown instanceof LockedError ? "locked" : "error";
    if (result === "locked") deps.logger.warn(`watch: run skipped: ${error}`);
    else {
      const when = formatDuration(ctx.config.interval);
      deps.logger.error(`watch: run failed: ${error} (next try in ${when})`);
      // Not one of ours: a bug. Keep its trace, but keep watching.
      if (!(thrown instanceof AutostackError) && thrown instanceof Error && thrown.stack) {
        deps.logger.debug(thrown.stack);
      }
    }
  }
  const duration = clock.now() - started;
  metrics.recordRun(result, duration);
  await refreshStatus(ctx);
  ctx.status.runs++;
  ctx.status.last_run = {
    time: new Date(clock.now()).toISOString(),
    result,
    code,
    duration_ms: duration,
    reason,
    ...(error === undefined ? {} : { error }),
  };
}

/** Updates the stack and bad-mark gauges; a failure only leaves them as they were. */
async function refreshStatus(ctx: TickContext): Promise<void> {
  try {
    ctx.metrics.recordStatus(await gatherStatus(ctx.config, ctx.deps));
  } catch (error) {
    ctx.deps.logger.debug(`watch: status for metrics: ${errorMessage(error)}`);
  }
}
