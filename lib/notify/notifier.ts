/**
 * Sending outcomes to the `notify` targets (docs/notifications.md) without ever
 * hurting a deploy. {@link decideNotifications} says purely whether an outcome
 * is news; the {@link Notifier} sends it to every target at once, retries a
 * failing one with backoff, limits each attempt and the whole batch in time,
 * logs what failed (never a token: only the target's origin is named) and never
 * throws.
 * @module
 */
import { abortableSleep } from "../sleep.ts";
import type { Config, NotifyTarget } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import { errorMessage } from "../errors.ts";
import { lastEntries } from "../state/mod.ts";
import type { Logger } from "../log.ts";
import { buildRequest, type Format, guessFormat, makeEvent, type NotifyEvent } from "./formats.ts";
import type { Runner } from "../process.ts";
import { redact } from "../redact.ts";
import { FAILURES, type HistoryEntry, isNews, type Result } from "../outcome.ts";

/** Whether an outcome is sent, and whether it is a recovery. */
export interface NotifyDecision {
  /** Send it to the targets (each still filtered by its `on`). */
  send: boolean;
  /** The first success after a failure: titled "NAME recovered: deployed". */
  recovered: boolean;
}

/**
 * Decides whether `entry` is news, given the stack's `previous` history entry.
 * Only changes of outcome are sent: the same failure of the same version again
 * (a bad version skipped on every run, a failing `pre_deploy` or, with
 * `mark_bad` off, the same version failing again) is not. A success is always
 * news (a deploy is a change), and the first one after a failure is a recovery.
 */
export function decideNotifications(
  previous: HistoryEntry | undefined,
  entry: HistoryEntry,
): NotifyDecision {
  const failedBefore = previous !== undefined && FAILURES.has(previous.result);
  const recovered = entry.result === "deployed" && failedBefore;
  return { send: isNews(previous, entry), recovered };
}

/** Whether `target` wants outcomes of `result` (its `on` list; none = all). */
export function wantsResult(target: NotifyTarget, result: Result): boolean {
  return target.on === undefined || target.on.length === 0 || target.on.includes(result);
}

/** The format a URL target uses: its own `format`, else guessed from the URL. */
export function formatOf(target: Extract<NotifyTarget, { url: string }>): Format {
  return target.format ?? guessFormat(target.url);
}

/** How the logs name a target: its index, format and origin — never a path, query or user part. */
export function targetLabel(target: NotifyTarget, index: number): string {
  if ("exec" in target) return `notify[${index}] exec`;
  let origin = "(invalid URL)";
  try {
    origin = new URL(target.url).origin;
  } catch { /* the config checked it; keep the label anyway */ }
  return `notify[${index}] ${formatOf(target)} ${origin}`;
}

/** Removes credentials from an error text: user parts (redact) and URL paths and queries. */
export function scrubUrls(text: string): string {
  return redact(text).replace(/\bhttps?:\/\/[^\s"'<>()]+/gi, (url) => {
    try {
      return `${new URL(url).origin}/…`;
    } catch {
      return "(URL)";
    }
  });
}

/** Options of the {@link Notifier}; times in ms. */
export interface NotifierOptions {
  /** The checked `notify` targets. */
  targets: readonly NotifyTarget[];
  /** Runs `exec` targets (`sh -c`). */
  runner: Runner;
  /** Where sent and failed notifications are logged. */
  logger: Logger;
  /** The host name put in every event. */
  hostname: string;
  /** The HTTP client (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Limit of one HTTP attempt (default 2000). */
  attemptTimeoutMs?: number;
  /** Attempts per target (default 3). */
  attempts?: number;
  /** Waits between attempts (default 250, then 750). */
  backoffMs?: readonly number[];
  /** Limit of a whole batch, all targets and retries together (default 4000). */
  deadlineMs?: number;
}

/** How a delivery ended, for its log line. */
type Said = { ok: true } | { ok: false; why: string };

/** One attempt's verdict. */
type Attempt = { ok: true } | { ok: false; retry: boolean; why: string; waitMs?: number };

/** Sends events to the targets; see the module comment. */
export class Notifier {
  readonly #o: Required<NotifierOptions>;

  /** Creates a notifier over `options.targets`. */
  constructor(options: NotifierOptions) {
    this.#o = {
      fetch: (input, init) => fetch(input, init),
      attemptTimeoutMs: 2000,
      attempts: 3,
      backoffMs: [250, 750],
      deadlineMs: 4000,
      ...options,
    };
  }

  /** Sends `entry` (if it is news after `previous`) to every target that wants it. Never throws. */
  notify(entry: HistoryEntry, previous: HistoryEntry | undefined): Promise<void> {
    return this.notifyAll([entry], new Map(previous ? [[entry.stack, previous]] : []));
  }

  /**
   * Sends each of a run's entries, all targets at once, within one deadline:
   * whatever is still in flight then is abandoned (and logged). Never throws.
   */
  async notifyAll(
    entries: readonly HistoryEntry[],
    previous: ReadonlyMap<string, HistoryEntry>,
  ): Promise<void> {
    if (this.#o.targets.length === 0) return;
    const jobs: { event: NotifyEvent; target: NotifyTarget; index: number }[] = [];
    for (const entry of entries) {
      const decision = decideNotifications(previous.get(entry.stack), entry);
      if (!decision.send) continue;
      const event = makeEvent(entry, decision.recovered, this.#o.hostname);
      this.#o.targets.forEach((target, index) => {
        if (wantsResult(target, entry.result)) jobs.push({ event, target, index });
      });
    }
    if (jobs.length === 0) return;
    const deadline = new AbortController();
    const deadlineAt = Date.now() + this.#o.deadlineMs;
    const timer = setTimeout(() => deadline.abort(), this.#o.deadlineMs);
    // Each job's log line, once it has one; a job still going at the deadline is abandoned.
    const said: (Said | undefined)[] = jobs.map(() => undefined);
    try {
      const all = Promise.allSettled(jobs.map(async (job, i) => {
        said[i] = await this.#deliver(job.target, job.event, deadline.signal, deadlineAt);
      }));
      // The race guards against an attempt that ignores the abort (a hung exec).
      await Promise.race([
        all,
        new Promise((resolve) => deadline.signal.addEventListener("abort", resolve)),
      ]);
    } finally {
      clearTimeout(timer);
      deadline.abort();
    }
    jobs.forEach((job, i) => {
      const label = `notify: ${targetLabel(job.target, job.index)}: "${job.event.title}"`;
      const line = said[i] ??
        { ok: false, why: `no answer before the ${this.#o.deadlineMs / 1000}s deadline` };
      if (line.ok) this.#o.logger.info(`${label} sent`);
      else this.#o.logger.warn(`${label} not sent: ${line.why}`);
    });
  }

  /** Sends one event to one target, with retries; says how it ended. */
  async #deliver(
    target: NotifyTarget,
    event: NotifyEvent,
    deadline: AbortSignal,
    deadlineAt: number,
  ): Promise<Said> {
    for (let attempt = 1;; attempt++) {
      const result = await this.#attempt(target, event, deadline, deadlineAt).catch(
        (error): Attempt => ({ ok: false, retry: true, why: describeError(error, deadline) }),
      );
      if (result.ok) return { ok: true };
      const wait = Math.max(this.#o.backoffMs[attempt - 1] ?? 1000, result.waitMs ?? 0);
      const outOfTime = deadline.aborted || Date.now() + wait >= deadlineAt;
      if (!result.retry || attempt >= this.#o.attempts || outOfTime) {
        return { ok: false, why: `${result.why}${attempt === 1 ? "" : ` (${attempt} attempts)`}` };
      }
      await abortableSleep(wait, deadline);
    }
  }

  #attempt(
    target: NotifyTarget,
    event: NotifyEvent,
    deadline: AbortSignal,
    deadlineAt: number,
  ): Promise<Attempt> {
    if ("exec" in target) return this.#exec(target.exec, event, deadlineAt);
    const request = buildRequest(formatOf(target), target.url, event, target.headers);
    return this.#post(request, deadline);
  }

  async #post(request: ReturnType<typeof buildRequest>, deadline: AbortSignal): Promise<Attempt> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.#o.attemptTimeoutMs), deadline]);
    let response: Response;
    try {
      response = await this.#o.fetch(request.url, {
        method: "POST",
        headers: request.headers,
        body: request.body,
        signal,
      });
    } catch (error) {
      return {
        ok: false,
        retry: true,
        why: describeError(error, deadline, this.#o.attemptTimeoutMs),
      };
    }
    await response.body?.cancel().catch(() => {});
    if (response.ok) return { ok: true };
    // Only a busy or failing server may answer differently next time.
    const retry = response.status >= 500 || response.status === 429 || response.status === 408;
    return { ok: false, retry, why: `HTTP ${response.status}`, waitMs: retryAfterMs(response) };
  }

  async #exec(command: string, event: NotifyEvent, deadlineAt: number): Promise<Attempt> {
    const timeoutMs = Math.max(1, deadlineAt - Date.now());
    const result = await this.#o.runner.run(["sh", "-c", command], {
      stdin: JSON.stringify(event),
      timeoutMs,
      env: { AUTOSTACK_STACK: event.stack, AUTOSTACK_RESULT: event.result },
    });
    if (result.code === 0) return { ok: true };
    const last = (result.stderr || result.stdout).trim().split("\n").pop() ?? "";
    const why = result.code === 124 ? "timed out" : `exit code ${result.code}`;
    // The command is not logged: it may carry a token (curl -H "Authorization: …").
    return { ok: false, retry: true, why: scrubUrls(last ? `${why}: ${last}` : why) };
  }
}

/** A `Retry-After` in seconds (Discord and Slack send it with 429), in ms. */
function retryAfterMs(response: Response): number | undefined {
  const seconds = Number(response.headers.get("retry-after"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

function describeError(error: unknown, deadline: AbortSignal, attemptMs?: number): string {
  if (deadline.aborted) return "no answer before the notification deadline";
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return attemptMs === undefined ? "timed out" : `no answer within ${attemptMs / 1000}s`;
  }
  // fetch's own message is "fetch failed"; the why (refused, DNS, TLS) is in its cause.
  const cause = error instanceof Error && error.cause instanceof Error
    ? `: ${error.cause.message}`
    : "";
  return scrubUrls(`${errorMessage(error)}${cause}`);
}

/**
 * The last history entry of each of `stacks`, read before a command adds its
 * own: what is news depends on them (docs/notifications.md). Without targets, nothing is read.
 */
export async function previousOutcomes(
  config: Pick<Config, "notify">,
  historyPath: string,
  stacks: readonly string[],
): Promise<Map<string, HistoryEntry>> {
  return config.notify.length > 0 ? await lastEntries(historyPath, stacks) : new Map();
}

/** Sends a command's outcomes to `config`'s targets ({@link Notifier.notifyAll}); never throws. */
export async function notifyOutcomes(
  config: Pick<Config, "notify" | "hostname">,
  deps: Pick<Deps, "runner" | "logger">,
  entries: readonly HistoryEntry[],
  previous: ReadonlyMap<string, HistoryEntry>,
): Promise<void> {
  await new Notifier({
    targets: config.notify,
    runner: deps.runner,
    logger: deps.logger,
    hostname: config.hostname,
  }).notifyAll(entries, previous);
}
