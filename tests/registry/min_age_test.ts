import assert from "node:assert/strict";
import { holdYoung } from "../../lib/registry/mod.ts";
import type { ImagePin, SeenImages } from "../../lib/state/mod.ts";

const A = `sha256:${"aa".repeat(32)}`;
const B = `sha256:${"bb".repeat(32)}`;
const IMAGE = "reg.lan/app:stable";
const pin = (digest: string, service = "app", image = IMAGE): ImagePin => ({
  service,
  image,
  digest,
});
const NOW = new Date("2026-12-03T10:00:00Z");
const DAY = 86_400_000;
const seenAt = (digest: string, at: string): SeenImages => ({
  "reg.lan/app:stable": { digest, seen_at: at },
});

Deno.test("holdYoung() keeps the deployed digest while the new one is younger than image_min_age", () => {
  const held = holdYoung([pin(A)], [pin(B)], seenAt(B, "2026-12-02T09:30:00.000Z"), NOW, 2 * DAY);
  assert.deepEqual(held.pins, [pin(A)]);
  assert.deepEqual(held.waits, [
    `image app: ${B.slice(0, 19)}… waits until 2026-12-04T09:30:00Z (image_min_age 2d)`,
  ]);
});

Deno.test("holdYoung() takes the new digest once it has been behind the tag that long", () => {
  const held = holdYoung([pin(A)], [pin(B)], seenAt(B, "2026-12-01T10:00:00.000Z"), NOW, 2 * DAY);
  assert.deepEqual(held, { pins: [pin(B)], waits: [] });
});

Deno.test("holdYoung() counts a digest it has no first-seen time for (or another digest's) from now", () => {
  for (const seen of [{}, seenAt(A, "2026-11-01T00:00:00.000Z")]) {
    const held = holdYoung([pin(A)], [pin(B)], seen, NOW, 3_000);
    assert.deepEqual(held.pins, [pin(A)]);
    assert.deepEqual(held.waits, [
      `image app: ${B.slice(0, 19)}… waits until 2026-12-03T10:00:03Z (image_min_age 3s)`,
    ]);
  }
});

Deno.test("holdYoung() never holds a service with nothing older to stay on", () => {
  const young = seenAt(B, NOW.toISOString());
  // A new stack, a service never pinned, an image a commit renamed, the same digest.
  assert.deepEqual(holdYoung(undefined, [pin(B)], young, NOW, DAY).pins, [pin(B)]);
  assert.deepEqual(holdYoung([pin(A, "db")], [pin(B)], young, NOW, DAY).pins, [pin(B)]);
  assert.deepEqual(holdYoung([pin(A, "app", "reg.lan/app:old")], [pin(B)], young, NOW, DAY), {
    pins: [pin(B)],
    waits: [],
  });
  assert.deepEqual(holdYoung([pin(B)], [pin(B)], young, NOW, DAY), { pins: [pin(B)], waits: [] });
});

Deno.test("holdYoung() decides per service: one waits while another moves", () => {
  const seen: SeenImages = {
    "reg.lan/app:stable": { digest: B, seen_at: "2026-12-03T09:00:00.000Z" },
    "reg.lan/db:16": { digest: B, seen_at: "2026-11-01T09:00:00.000Z" },
  };
  const db = (d: string) => pin(d, "db", "reg.lan/db:16");
  const held = holdYoung([pin(A), db(A)], [pin(B), db(B)], seen, NOW, 2 * 3_600_000);
  assert.deepEqual(held.pins, [pin(A), db(B)]);
  assert.deepEqual(held.waits, [
    `image app: ${B.slice(0, 19)}… waits until 2026-12-03T11:00:00Z (image_min_age 2h)`,
  ]);
});
