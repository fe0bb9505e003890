import assert from "node:assert/strict";
import { localTime } from "../../lib/commands/_time.ts";

const AT = "2026-03-01T10:00:00.000Z";

Deno.test("localTime() shows UTC as such when the host runs on UTC", () => {
  assert.equal(localTime(AT, () => 0), "2026-03-01 10:00:00 UTC");
});

Deno.test("localTime() shows the local time with its offset east or west of UTC", () => {
  assert.equal(localTime(AT, () => 330), "2026-03-01 15:30:00 +05:30");
  assert.equal(localTime(AT, () => -300), "2026-03-01 05:00:00 -05:00");
  assert.equal(localTime("2026-03-01T02:00:00.000Z", () => -300), "2026-02-28 21:00:00 -05:00");
});

Deno.test("localTime() takes the offset of the instant shown, so summer time is right", () => {
  const berlin = (at: Date) => (at.getUTCMonth() >= 3 && at.getUTCMonth() <= 9 ? 120 : 60);
  assert.equal(localTime("2026-07-01T10:00:00.000Z", berlin), "2026-07-01 12:00:00 +02:00");
  assert.equal(localTime("2026-01-01T10:00:00.000Z", berlin), "2026-01-01 11:00:00 +01:00");
});

Deno.test("localTime() shows a value that is not a time as it is", () => {
  assert.equal(localTime("yesterday"), "yesterday");
});
