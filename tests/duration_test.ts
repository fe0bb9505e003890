/**
 * Unit tests of durations: what operators may write (`90`, `90s`, `2m`, `1h`,
 * `2d`, `500ms`) and how milliseconds are shown back, with the rounding edges
 * where a carry must move up a unit, or as a setting is written.
 * @module
 */
import assert from "node:assert/strict";
import { formatDuration, formatSetting, parseDuration } from "../lib/duration.ts";

Deno.test("parseDuration() reads a bare number as seconds", () => {
  assert.equal(parseDuration(90), 90_000);
  assert.equal(parseDuration(0), 0);
  assert.equal(parseDuration(1.5), 1_500);
  assert.equal(parseDuration("90"), 90_000);
  assert.equal(parseDuration("2.25"), 2_250);
});

Deno.test("parseDuration() reads each unit into milliseconds", () => {
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("90s"), 90_000);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.equal(parseDuration("2d"), 172_800_000);
  assert.equal(parseDuration("1.5m"), 90_000);
  assert.equal(parseDuration("0.5h"), 1_800_000);
});

Deno.test("parseDuration() allows spaces around the value and before the unit", () => {
  assert.equal(parseDuration("  2m "), 120_000);
  assert.equal(parseDuration("30 s"), 30_000);
});

Deno.test("parseDuration() rounds to whole milliseconds", () => {
  assert.equal(parseDuration(0.0004), 0);
  assert.equal(parseDuration("1.2346s"), 1_235);
  assert.equal(parseDuration(0.0016), 2);
});

Deno.test("parseDuration() refuses anything that is not one duration", () => {
  for (
    const value of [
      "",
      "abc",
      "-1",
      "-1s",
      "1w",
      "1m30s",
      "s",
      "1.s",
      ".5s",
      "1e3",
      "2M",
      "10 minutes",
    ]
  ) {
    assert.equal(parseDuration(value), undefined, JSON.stringify(value));
  }
  for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY, null, undefined, true, {}, []]) {
    assert.equal(parseDuration(value), undefined, String(value));
  }
});

Deno.test("formatDuration() shows under a second as whole milliseconds", () => {
  assert.equal(formatDuration(0), "0ms");
  assert.equal(formatDuration(850), "850ms");
  assert.equal(formatDuration(999), "999ms");
  assert.equal(formatDuration(999.4), "999ms");
});

Deno.test("formatDuration() carries 999.6 ms up to a second rather than printing 1000ms", () => {
  assert.equal(formatDuration(999.6), "1.0s");
  assert.equal(formatDuration(999.5), "1.0s");
});

Deno.test("formatDuration() shows seconds with one decimal under a minute", () => {
  assert.equal(formatDuration(1_000), "1.0s");
  assert.equal(formatDuration(12_345), "12.3s");
  assert.equal(formatDuration(59_949), "59.9s");
});

Deno.test("formatDuration() carries a value that rounds to 60.0s up to a minute", () => {
  assert.equal(formatDuration(59_950), "1m00s");
  assert.equal(formatDuration(59_960), "1m00s");
  assert.equal(formatDuration(60_000), "1m00s");
});

Deno.test("formatDuration() shows minutes with two-digit seconds, carrying 60s up a minute", () => {
  assert.equal(formatDuration(125_000), "2m05s");
  assert.equal(formatDuration(119_400), "1m59s");
  assert.equal(formatDuration(119_500), "2m00s");
  assert.equal(formatDuration(119_700), "2m00s");
  assert.equal(formatDuration(3_600_000), "60m00s");
});

Deno.test("formatDuration() shows what parseDuration() read back in the same units", () => {
  assert.equal(formatDuration(parseDuration("500ms")!), "500ms");
  assert.equal(formatDuration(parseDuration("90s")!), "1m30s");
  assert.equal(formatDuration(parseDuration("2m")!), "2m00s");
});

Deno.test("formatSetting() writes milliseconds in the largest unit that divides them", () => {
  assert.equal(formatSetting(172_800_000), "2d");
  assert.equal(formatSetting(129_600_000), "36h");
  assert.equal(formatSetting(90_000), "90s");
  assert.equal(formatSetting(120_000), "2m");
  assert.equal(formatSetting(3_000), "3s");
  assert.equal(formatSetting(1_500), "1500ms");
  assert.equal(formatSetting(0), "0ms");
});
