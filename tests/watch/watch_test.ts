import { fakeRunner, memoryLogger } from "../_fakes.ts";
import assert from "node:assert/strict";
import { parseListen } from "../../lib/listen.ts";
import { parseCommand } from "../../lib/cli.ts";
import { parseConfig } from "../../lib/config/mod.ts";
import { GitError, LockedError, UsageError } from "../../lib/errors.ts";
import { type Clock, nextDelay, Scheduler, watchCommand } from "../../lib/watch/mod.ts";
import { testDeps } from "../_deps.ts";

/** Lets pending promise callbacks and zero timers run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A clock that moves only when told; sleeps end when it passes them or their signal aborts. */
class FakeClock implements Clock {
  time = 0;
  sleeps: number[] = [];
  #sleepers = new Set<{ until: number; resolve: () => void }>();

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const sleeper = { until: this.time + ms, resolve };
      this.#sleepers.add(sleeper);
      signal.addEventListener("abort", () => {
        this.#sleepers.delete(sleeper);
        resolve();
      }, { once: true });
    });
  }

  /** Waits (in real time) until something sleeps on this clock: the loop is between runs. */
  async untilSleeping(): Promise<void> {
    while (this.#sleepers.size === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  async advance(ms: number): Promise<void> {
    this.time += ms;
    for (const sleeper of [...this.#sleepers]) {
      if (sleeper.until <= this.time) {
        this.#sleepers.delete(sleeper);
        sleeper.resolve();
      }
    }
    await settle();
  }
}

/** A run that waits until released, recording each start and how many ran at once. */
function gatedRuns(clock: FakeClock) {
  const started: { reason: string; at: number }[] = [];
  const gates: (() => void)[] = [];
  let active = 0;
  let most = 0;
  return {
    started,
    get most() {
      return most;
    },
    release: async () => {
      gates.shift()?.();
      await settle();
    },
    run: async (reason: string) => {
      started.push({ reason, at: clock.now() });
      most = Math.max(most, ++active);
      await new Promise<void>((resolve) => gates.push(resolve));
      active--;
    },
  };
}

Deno.test("Scheduler runs at once, then again after each pause", async () => {
  const clock = new FakeClock();
  const stop = new AbortController();
  const runs: { reason: string; at: number }[] = [];
  const scheduler = new Scheduler({
    run: (reason) => Promise.resolve(void runs.push({ reason, at: clock.now() })),
    delay: () => 1000,
    clock,
    signal: stop.signal,
  });
  const loop = scheduler.loop();
  await settle();
  assert.deepEqual(runs, [{ reason: "start", at: 0 }]);
  await clock.advance(999);
  assert.equal(runs.length, 1);
  await clock.advance(1);
  assert.deepEqual(runs[1], { reason: "interval", at: 1000 });
  stop.abort();
  await loop;
  assert.equal(runs.length, 2);
});

Deno.test("Scheduler tells the run in progress and, while it sleeps, when the next one starts", async () => {
  const clock = new FakeClock();
  const stop = new AbortController();
  const runs = gatedRuns(clock);
  const scheduler = new Scheduler({ run: runs.run, delay: () => 1000, clock, signal: stop.signal });
  await clock.advance(500);
  const loop = scheduler.loop();
  await settle();
  assert.deepEqual(scheduler.current, { reason: "start", since: 500 });
  assert.equal(scheduler.nextAt, undefined);
  await clock.advance(200);
  await runs.release();
  await clock.untilSleeping();
  assert.equal(scheduler.current, undefined);
  assert.equal(scheduler.nextAt, 1700);
  stop.abort();
  await loop;
});

Deno.test("Scheduler turns a burst of triggers during a run into exactly one more run", async () => {
  const clock = new FakeClock();
  const stop = new AbortController();
  const runs = gatedRuns(clock);
  const scheduler = new Scheduler({
    run: runs.run,
    delay: () => 60_000,
    clock,
    signal: stop.signal,
  });
  const loop = scheduler.loop();
  await settle();
  assert.equal(scheduler.running, true);
  for (let i = 1; i <= 5; i++) scheduler.trigger(`push ${i}`);
  await runs.release();
  assert.deepEqual(runs.started.map((r) => r.reason), ["start", "push 1"]);
  await runs.release();
  assert.equal(runs.started.length, 2, "no third run: the burst was one");
  assert.deepEqual(clock.sleeps, [60_000]);
  assert.equal(runs.most, 1, "never two runs at once");
  stop.abort();
  await loop;
});

Deno.test("Scheduler wakes at once on a trigger while sleeping", async () => {
  const clock = new FakeClock();
  const stop = new AbortController();
  const runs = gatedRuns(clock);
  const scheduler = new Scheduler({
    run: runs.run,
    delay: () => 60_000,
    clock,
    signal: stop.signal,
  });
  const loop = scheduler.loop();
  await runs.release();
  await clock.advance(5_000);
  scheduler.trigger("push to refs/heads/main");
  await settle();
  // A short settle window lets the rest of a burst of pushes join this run.
  scheduler.trigger("push again");
  await clock.advance(299);
  assert.equal(runs.started.length, 1);
  await clock.advance(1);
  assert.deepEqual(runs.started[1], { reason: "push to refs/heads/main", at: 5_300 });
  await runs.release();
  // The pause starts again after the pushed run.
  await clock.advance(59_999);
  assert.equal(runs.started.length, 2);
  await clock.advance(1);
  assert.equal(runs.started.length, 3);
  stop.abort();
  await runs.release();
  await loop;
});

Deno.test("Scheduler stopped during a run finishes that run and starts no other", async () => {
  const clock = new FakeClock();
  const stop = new AbortController();
  const runs = gatedRuns(clock);
  const scheduler = new Scheduler({ run: runs.run, delay: () => 1000, clock, signal: stop.signal });
  let ended = false;
  const loop = scheduler.loop().then(() => ended = true);
  await settle();
  scheduler.trigger("push");
  stop.abort();
  await settle();
  assert.equal(ended, false, "the run in progress is not cut off");
  await runs.release();
  assert.equal(ended, true);
  assert.equal(runs.started.length, 1);
  await loop;
});

Deno.test("nextDelay() adds up to 10 % jitter, at most 30 s", () => {
  assert.equal(nextDelay(60_000, () => 0), 60_000);
  assert.equal(nextDelay(60_000, () => 0.999), 65_994);
  assert.equal(nextDelay(3_600_000, () => 0.999), 3_600_000 + 29_970);
});

Deno.test("parseListen() reads host:port, :port and [IPv6]:port", () => {
  assert.deepEqual(parseListen("127.0.0.1:9000"), { hostname: "127.0.0.1", port: 9000 });
  assert.deepEqual(parseListen(":9000"), { hostname: "0.0.0.0", port: 9000 });
  assert.deepEqual(parseListen("[::1]:9000"), { hostname: "::1", port: 9000 });
  assert.equal(parseListen("9000"), undefined);
  assert.equal(parseListen("host:99999"), undefined);
});

Deno.test("parseCommand() reads watch's --interval and --listen, and refuses bad ones", () => {
  assert.deepEqual(parseCommand(["watch", "--interval", "30s", "--listen", ":9000"]), {
    kind: "watch",
    config: undefined,
    interval: 30_000,
    listen: ":9000",
  });
  assert.deepEqual(parseCommand(["watch", "-c", "a.yaml"]), {
    kind: "watch",
    config: "a.yaml",
    interval: undefined,
    listen: undefined,
  });
  assert.throws(() => parseCommand(["watch", "--interval", "0"]), UsageError);
  assert.throws(() => parseCommand(["watch", "--interval", "soon"]), /--interval must be/);
  assert.throws(() => parseCommand(["watch", "--listen", "9000"]), /--listen must be/);
});

function fakeDeps(stop: AbortSignal) {
  const logger = memoryLogger();
  const deps = testDeps({
    runner: fakeRunner(() => ({ code: 0, stdout: "" })),
    logger,
    stopSignal: () => stop,
  });
  return { deps, logger };
}

Deno.test("watchCommand() keeps running through failed runs and serves /healthz and /metrics", async () => {
  const base = await Deno.makeTempDir({ prefix: "autostack_watch_" });
  try {
    const config = parseConfig(
      `repo: /nowhere\nbase_dir: ${base}\ninterval: 10s\nlisten: "127.0.0.1:0"\n`,
      "/c/autostack.yaml",
      {},
      { hostname: "h" },
    );
    const stop = new AbortController();
    const { deps, logger } = fakeDeps(stop.signal);
    const clock = new FakeClock();
    const outcomes = [
      () => Promise.reject(new GitError("git fetch: could not read from remote repository")),
      () => Promise.reject(new LockedError("another run holds /b/autostack.lock")),
      () => Promise.reject(new TypeError("a bug")),
      () => Promise.resolve({ code: 0, entries: [] }),
    ];
    let calls = 0;
    const done = watchCommand(config, deps, () => outcomes[calls++]!(), clock);
    for (let i = 0; i < 3; i++) {
      await clock.untilSleeping();
      await clock.advance(11_000);
    }
    await clock.untilSleeping();
    assert.equal(calls, 4);
    const port = /listening on 127\.0\.0\.1:(\d+)/.exec(logger.lines.join("\n"))?.[1];
    assert.ok(port, logger.lines.join("\n"));
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    const body = await health.json();
    assert.equal(body.runs, 4);
    assert.equal(body.last_run.result, "ok");
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /autostack_runs_total\{result="error"\} 2/);
    assert.match(metrics, /autostack_runs_total\{result="locked"\} 1/);
    assert.match(metrics, /autostack_runs_total\{result="ok"\} 1/);
    assert.match(metrics, /autostack_last_successful_fetch_timestamp_seconds 33/);
    const hook = await fetch(`http://127.0.0.1:${port}/hooks/git`, { method: "POST", body: "{}" });
    assert.equal(hook.status, 404, "no webhook_secret: the endpoint is off");
    await hook.body?.cancel();
    stop.abort();
    assert.equal(await done, 0);
    const log = logger.lines.join("\n");
    assert.match(log, /watch: run failed: git fetch: could not read from remote repository/);
    assert.match(log, /watch: run skipped: another run holds/);
    assert.match(log, /watch: run failed: a bug/);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
