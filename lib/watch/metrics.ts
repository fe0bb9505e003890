/**
 * The Prometheus metrics of `watch` (`GET /metrics`), on prom-client with a
 * registry of their own (not the library's global one, so that an embedding
 * program's metrics never mix with ours): runs by result and duration, deploys
 * by stack and result, stacks by health, bad marks, the last successful fetch.
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { StackStatus } from "../commands/mod.ts";
import type { HistoryEntry } from "../outcome.ts";

/** How a run of the watch loop ended. */
export type RunResult = "ok" | "failed" | "error" | "locked";

/** Every {@link RunResult}, so each series exists (at 0) from the start. */
export const RUN_RESULTS: readonly RunResult[] = ["ok", "failed", "error", "locked"];

/** Health words of `status`, as label values. */
const HEALTHS = ["healthy", "not_healthy", "unhealthy", "stopped", "down", "unknown"];

/** The metrics of one watch process. */
export class Metrics {
  /** The registry `GET /metrics` renders. */
  readonly registry: Registry = new Registry();
  readonly #runs: Counter<"result">;
  readonly #duration: Histogram;
  readonly #deploys: Counter<"stack" | "result">;
  readonly #stacks: Gauge<"health">;
  readonly #bad: Gauge;
  readonly #fetched: Gauge;

  /** Creates the metrics, each registered in {@link registry} only. */
  constructor() {
    const registers = [this.registry];
    this.#runs = new Counter({
      name: "autostack_runs_total",
      help: "Runs of the watch loop by result: ok, failed (a stack failed), error, locked",
      labelNames: ["result"],
      registers,
    });
    for (const result of RUN_RESULTS) this.#runs.inc({ result }, 0);
    this.#duration = new Histogram({
      name: "autostack_run_duration_seconds",
      help: "Duration of runs, fetch to last outcome",
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.#deploys = new Counter({
      name: "autostack_deploys_total",
      help: "Deploy outcomes by stack and result (one per history line)",
      labelNames: ["stack", "result"],
      registers,
    });
    this.#stacks = new Gauge({
      name: "autostack_stacks",
      help: "Stacks known here by health after the last run",
      labelNames: ["health"],
      registers,
    });
    this.#bad = new Gauge({
      name: "autostack_bad_marks",
      help: "Versions marked bad (bad.json entries)",
      registers,
    });
    this.#fetched = new Gauge({
      name: "autostack_last_successful_fetch_timestamp_seconds",
      help: "When the repo was last fetched successfully (seconds since the epoch)",
      registers,
    });
  }

  /** Counts one run of the loop and its duration. */
  recordRun(result: RunResult, durationMs: number): void {
    this.#runs.inc({ result });
    this.#duration.observe(durationMs / 1000);
  }

  /** Counts the outcomes a run wrote to history. */
  recordEntries(entries: readonly HistoryEntry[]): void {
    for (const e of entries) this.#deploys.inc({ stack: e.stack, result: e.result });
  }

  /** Notes a successful fetch at `time`. */
  recordFetch(time: Date): void {
    this.#fetched.set(time.getTime() / 1000);
  }

  /** Replaces the stacks-by-health and bad-mark gauges with what `status` saw. */
  recordStatus(stacks: readonly StackStatus[]): void {
    const counts = new Map(HEALTHS.map((h) => [h, 0]));
    for (const s of stacks) {
      const health = healthLabel(s.health);
      counts.set(health, (counts.get(health) ?? 0) + 1);
    }
    this.#stacks.reset();
    for (const [health, count] of counts) this.#stacks.set({ health }, count);
    this.#bad.set(stacks.filter((s) => s.bad !== null).length);
  }

  /** The text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The `Content-Type` of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

/** `unhealthy: web (exited 1)` → `unhealthy`; `not healthy: …` → `not_healthy`. Pure. */
export function healthLabel(health: string): string {
  return (health.split(":")[0] ?? "unknown").trim().replace(/\s+/g, "_");
}
