import assert from "node:assert/strict";
import { readSeen, recordSeen, writeSeen } from "../../lib/state/mod.ts";
import { withTempDir } from "../_temp.ts";

const A = `sha256:${"aa".repeat(32)}`;
const B = `sha256:${"bb".repeat(32)}`;

Deno.test("recordSeen() starts a clock only for a digest new behind its tag, and drops tags no longer followed", () => {
  const before = {
    "r/app:1": { digest: A, seen_at: "2026-12-01T00:00:00.000Z" },
    "r/db:16": { digest: A, seen_at: "2026-11-01T00:00:00.000Z" },
    "r/gone:1": { digest: A, seen_at: "2026-10-01T00:00:00.000Z" },
  };
  const found = new Map([["r/app:1", A], ["r/db:16", B], ["r/new:1", B]]);
  const after = recordSeen(before, found, new Date("2026-12-02T00:00:00Z"));
  assert.deepEqual(after, {
    "r/app:1": { digest: A, seen_at: "2026-12-01T00:00:00.000Z" },
    "r/db:16": { digest: B, seen_at: "2026-12-02T00:00:00.000Z" },
    "r/gone:1": { digest: A, seen_at: "2026-10-01T00:00:00.000Z" },
    "r/new:1": { digest: B, seen_at: "2026-12-02T00:00:00.000Z" },
  });
  assert.equal(before["r/db:16"].digest, A, "the input is not changed");
  // Knowing every followed tag, one no stack follows any more is dropped.
  const followed = new Set(["r/app:1", "r/db:16", "r/new:1"]);
  assert.deepEqual(
    Object.keys(recordSeen(before, found, new Date("2026-12-02T00:00:00Z"), followed)),
    ["r/app:1", "r/db:16", "r/new:1"],
  );
});

Deno.test("readSeen() reads what writeSeen() wrote; a missing file holds nothing", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/images_seen.json`;
    assert.deepEqual(await readSeen(path), { seen: {} });
    const seen = { "r/app:1": { digest: A, seen_at: "2026-12-01T00:00:00.000Z" } };
    await writeSeen(path, seen);
    assert.deepEqual(await readSeen(path), { seen });
  });
});

Deno.test("readSeen() reads an unusable file as empty, with a line naming it", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/images_seen.json`;
    await Deno.writeTextFile(path, "{not json");
    const broken = await readSeen(path);
    assert.deepEqual(broken.seen, {});
    assert.match(broken.problem ?? "", new RegExp(`^${path} is not valid JSON`));
    await Deno.writeTextFile(path, JSON.stringify({ "r/app:1": { digest: A, seen_at: "soon" } }));
    assert.deepEqual(await readSeen(path), {
      seen: {},
      problem: `${path} is not a valid first-seen file`,
    });
  });
});
