/**
 * When a starting container's healthcheck will next report, read from `docker
 * inspect` (its start, its probe interval, its last probe), so that the health
 * wait looks right after a probe instead of up to one polling interval later:
 * on a 1 s healthcheck that is ~0.1 s off every health-gated deploy. Docker
 * runs the first probe one interval after the start and each next one an
 * interval after the previous one ended. Parsing and the decision are pure.
 * @module
 */
import { z } from "zod";

/** When one container's healthcheck runs; times in ms since the epoch. */
export interface ProbeSchedule {
  /** When the container started. */
  startedAt: number;
  /** Time between probes, in ms. */
  everyMs: number;
  /**
   * Docker 25+ (`healthcheck.start_interval`): the time between probes while
   * the start period lasts, and when that period ends.
   */
  start?: { everyMs: number; untilAt: number };
  /** When its last probe ended, when it ran one. */
  lastEndAt?: number;
}

/** Docker's healthcheck interval when the image or compose file sets none. */
const DEFAULT_EVERY_MS = 30_000;
/** How long after a probe is due it may take to run and be reported. */
const REPORTING_MS = 300;
/** How often to look while a probe may be reporting. */
const REPORTING_LOOK_MS = 100;
/** How long after a probe is due the first look comes: a probe's `exec` takes ~0.1 s. */
const GRACE_MS = 100;

const Time = z.string().transform((text) => Date.parse(text));
const Entry = z.object({
  State: z.object({
    StartedAt: Time,
    Health: z.object({ Log: z.array(z.object({ End: Time })).nullish() }).nullish(),
  }),
  Config: z.object({
    // Durations in nanoseconds; 0 or absent means Docker's default.
    Healthcheck: z.object({
      Interval: z.number().optional(),
      StartPeriod: z.number().optional(),
      // Engines before 25 (API 1.44) have no start interval: absent, as when unset.
      StartInterval: z.number().optional(),
    }).nullish(),
  }),
});

/**
 * The schedule of each container with a healthcheck in `docker inspect`
 * output. It only makes looks timelier, so anything it cannot read (another
 * engine's shape, a container never started) is left out rather than an error.
 */
export function parseProbeSchedules(stdout: string): ProbeSchedule[] {
  let values: unknown;
  try {
    values = JSON.parse(stdout);
  } catch {
    return [];
  }
  if (!Array.isArray(values)) return [];
  return values.flatMap((value) => {
    const parsed = Entry.safeParse(value);
    const check = parsed.success ? parsed.data.Config.Healthcheck : undefined;
    if (!parsed.success || !check || !(parsed.data.State.StartedAt > 0)) return [];
    const ms = (ns: number | undefined) => ns !== undefined && ns > 0 ? ns / 1e6 : undefined;
    const startedAt = parsed.data.State.StartedAt;
    const everyMs = ms(check.Interval) ?? DEFAULT_EVERY_MS;
    const startEvery = ms(check.StartInterval);
    const startPeriod = ms(check.StartPeriod);
    const start = startEvery !== undefined && startPeriod !== undefined
      ? { start: { everyMs: startEvery, untilAt: startedAt + startPeriod } }
      : {};
    const lastEndAt = parsed.data.State.Health?.Log?.at(-1)?.End;
    const schedule = { startedAt, everyMs, ...start };
    return [lastEndAt !== undefined && lastEndAt > 0 ? { ...schedule, lastEndAt } : schedule];
  });
}

/**
 * How long to wait before the next look at `now`: often while a probe of one
 * of `schedules` may be reporting, else until just after the next one is due,
 * but never longer than `intervalMs` (so a wrong guess, e.g. a remote engine
 * with another clock, costs a few looks, never a late one).
 */
export function nextLookIn(
  now: number,
  schedules: readonly ProbeSchedule[],
  intervalMs: number,
): number {
  let wait = intervalMs;
  for (const s of schedules) {
    const base = s.lastEndAt ?? s.startedAt;
    // Within the start period, Docker 25+ probes at the start interval.
    const every = s.start !== undefined && base < s.start.untilAt ? s.start.everyMs : s.everyMs;
    const done = Math.floor((now - base) / every);
    if (done >= 1 && now - (base + done * every) < REPORTING_MS) {
      wait = Math.min(wait, REPORTING_LOOK_MS);
      continue;
    }
    const due = base + Math.max(1, done + 1) * every;
    wait = Math.min(wait, Math.max(0, due - now) + GRACE_MS);
  }
  return wait;
}
