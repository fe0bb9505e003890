/**
 * Unit tests of when the health wait looks next: the probe schedule read from
 * `docker inspect` and the pure next-look decision.
 * @module
 */
import assert from "node:assert/strict";
import { nextLookIn, parseProbeSchedules } from "../../lib/docker/mod.ts";

const T0 = Date.parse("2026-11-28T08:09:11.427Z");

Deno.test("parseProbeSchedules() reads the start, the interval and the last probe's end", () => {
  const out = JSON.stringify([
    {
      Id: "a",
      State: {
        StartedAt: "2026-11-28T08:09:11.427291983Z",
        Health: { Log: [{ Start: "x", End: "2026-11-28T08:09:12.510000000Z" }] },
      },
      Config: { Healthcheck: { Interval: 1_000_000_000, StartInterval: 0 } },
    },
    {
      Id: "b",
      State: { StartedAt: "2026-11-28T08:09:11.427Z", Health: { Log: [] } },
      Config: {
        Healthcheck: {
          Interval: 10_000_000_000,
          StartPeriod: 30_000_000_000,
          StartInterval: 2_000_000_000,
        },
      },
    },
    // No interval set: Docker's default of 30 s.
    { Id: "c", State: { StartedAt: "2026-11-28T08:09:11.427Z" }, Config: { Healthcheck: {} } },
  ]);
  assert.deepEqual(parseProbeSchedules(out), [
    { startedAt: T0, everyMs: 1_000, lastEndAt: T0 + 1_083 },
    { startedAt: T0, everyMs: 10_000, start: { everyMs: 2_000, untilAt: T0 + 30_000 } },
    { startedAt: T0, everyMs: 30_000 },
  ]);
});

Deno.test("parseProbeSchedules() leaves out what it cannot read instead of failing", () => {
  assert.deepEqual(parseProbeSchedules(""), []);
  assert.deepEqual(parseProbeSchedules("{}"), []);
  const out = JSON.stringify([
    { Id: "no-check", State: { StartedAt: "2026-11-28T08:09:11Z" }, Config: {} },
    { Id: "never", State: { StartedAt: "0001-01-01T00:00:00Z" }, Config: { Healthcheck: {} } },
    { Id: "odd", State: {} },
  ]);
  assert.deepEqual(parseProbeSchedules(out), []);
});

Deno.test("nextLookIn() waits until just after the next probe is due, at most the interval", () => {
  const s = { startedAt: 0, everyMs: 1_000 };
  assert.equal(nextLookIn(100, [s], 250), 250);
  // Due at 1_000; its exec takes ~100 ms.
  assert.equal(nextLookIn(950, [s], 250), 150);
  // After a probe ended, the next one is due an interval later.
  assert.equal(nextLookIn(2_000, [{ ...s, lastEndAt: 1_080 }], 250), 180);
});

Deno.test("nextLookIn() looks every 100 ms while a due probe may be reporting", () => {
  const s = { startedAt: 0, everyMs: 1_000 };
  assert.equal(nextLookIn(1_000, [s], 250), 100);
  assert.equal(nextLookIn(1_250, [s], 250), 100);
  assert.equal(nextLookIn(1_350, [s], 250), 250);
  // The soonest of several containers wins.
  assert.equal(nextLookIn(1_400, [s, { startedAt: 300, everyMs: 1_000 }], 250), 100);
});

Deno.test("nextLookIn() keeps the interval without schedules or with a clock far off", () => {
  assert.equal(nextLookIn(5_000, [], 250), 250);
  assert.equal(nextLookIn(0, [{ startedAt: 60_000, everyMs: 1_000 }], 250), 250);
});

Deno.test("nextLookIn() follows the start interval (Docker 25+) only within the start period", () => {
  const s = { startedAt: 0, everyMs: 10_000, start: { everyMs: 1_000, untilAt: 5_000 } };
  // In the start period: the next probe is due 1 s after the last one.
  assert.equal(nextLookIn(2_700, [{ ...s, lastEndAt: 2_000 }], 5_000), 400);
  // After it: the regular 10 s interval.
  assert.equal(nextLookIn(6_000, [{ ...s, lastEndAt: 5_500 }], 20_000), 9_600);
});

Deno.test("parseProbeSchedules() reads an engine before 25 (no StartInterval) as the interval alone", () => {
  const out = JSON.stringify([{
    State: { StartedAt: "2026-11-28T08:09:11.427Z" },
    Config: { Healthcheck: { Interval: 2_000_000_000, StartPeriod: 10_000_000_000 } },
  }]);
  assert.deepEqual(parseProbeSchedules(out), [{ startedAt: T0, everyMs: 2_000 }]);
});
