import assert from "node:assert/strict";
import { join } from "node:path";
import {
  appendHistory,
  lastByStack,
  lastEntries,
  parseHistoryLine,
  readHistory,
  rotatedHistory,
  rotateHistory,
  shouldRecord,
} from "../../lib/state/mod.ts";
import type { HistoryEntry } from "../../lib/outcome.ts";
import { withTempDir } from "../_temp.ts";

function entry(stack: string, minute: number, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    time: `2026-03-01T10:${String(minute).padStart(2, "0")}:00.000Z`,
    stack,
    commit: "c0ffee",
    tree: "a1b2c3",
    method: "simple",
    result: "deployed",
    duration_ms: 1200,
    message: "healthy",
    services: [{ service: "web", state: "healthy", detail: "" }],
    ...extra,
  };
}

Deno.test("appendHistory() writes one JSON object a line", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "history.jsonl");
    await appendHistory(path, entry("web", 1));
    await appendHistory(path, entry("db", 2, { project: "db-canary", output: "boom" }));
    const lines = (await Deno.readTextFile(path)).split("\n");
    assert.equal(lines.length, 3);
    assert.equal(lines[2], "");
    assert.deepEqual(JSON.parse(lines[0] ?? ""), entry("web", 1));
    assert.deepEqual(
      JSON.parse(lines[1] ?? ""),
      entry("db", 2, { project: "db-canary", output: "boom" }),
    );
  }));

Deno.test("readHistory() of a missing file is empty", () =>
  withTempDir(async (dir) => {
    assert.deepEqual(await readHistory(join(dir, "history.jsonl")), []);
  }));

Deno.test("readHistory() returns entries newest first, by stack and up to a limit", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "history.jsonl");
    for (let minute = 0; minute < 6; minute++) {
      await appendHistory(path, entry(minute % 2 === 0 ? "web" : "db", minute));
    }
    const all = await readHistory(path);
    assert.deepEqual(all.map((e) => e.time.slice(14, 16)), ["05", "04", "03", "02", "01", "00"]);
    const web = await readHistory(path, { stack: "web", limit: 2 });
    assert.deepEqual(web, [entry("web", 4), entry("web", 2)]);
    assert.deepEqual(await readHistory(path, { limit: 0 }), []);
  }));

Deno.test("readHistory() skips a torn last line and lines that are not entries", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "history.jsonl");
    await appendHistory(path, entry("web", 1));
    await Deno.writeTextFile(path, '{"hello": "world"}\nnot json\n', { append: true });
    await Deno.writeTextFile(path, JSON.stringify(entry("web", 2)).slice(0, 40), { append: true });
    assert.deepEqual(await readHistory(path), [entry("web", 1)]);
  }));

Deno.test("appendHistory() after a torn last line starts a fresh line so the new entry survives", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "history.jsonl");
    await appendHistory(path, entry("web", 1));
    await Deno.writeTextFile(path, '{"time": "2026-03-01T10:0', { append: true });
    await appendHistory(path, entry("web", 3));
    assert.deepEqual(await readHistory(path), [entry("web", 3), entry("web", 1)]);
  }));

Deno.test("appendHistory() from many writers at once keeps every line whole", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "history.jsonl");
    const big = "x".repeat(3000);
    await Promise.all(
      Array.from(
        { length: 40 },
        (_, i) => appendHistory(path, entry(`s${i}`, 0, { message: big })),
      ),
    );
    assert.equal((await readHistory(path)).length, 40);
  }));

Deno.test("parseHistoryLine() rejects an unknown result", () => {
  assert.equal(
    parseHistoryLine(JSON.stringify({ ...entry("web", 1), result: "exploded" })),
    undefined,
  );
  assert.deepEqual(parseHistoryLine(JSON.stringify(entry("web", 1))), entry("web", 1));
});

Deno.test("lastByStack() keeps the newest entry of each stack", () => {
  const newestFirst = [entry("web", 5), entry("db", 4), entry("web", 3), entry("db", 1)];
  assert.deepEqual(
    lastByStack(newestFirst),
    new Map([["web", entry("web", 5)], ["db", entry("db", 4)]]),
  );
});

Deno.test("shouldRecord() writes a bad version skipped run after run only once", () => {
  const skipped = entry("web", 1, { result: "skipped_bad" });
  assert.equal(shouldRecord(undefined, skipped), true);
  assert.equal(shouldRecord(entry("web", 0, { result: "deployed" }), skipped), true);
  assert.equal(shouldRecord(skipped, entry("web", 2, { result: "skipped_bad" })), false);
  assert.equal(
    shouldRecord(skipped, entry("web", 2, { result: "skipped_bad", tree: "ffffff" })),
    true,
  );
});

Deno.test("shouldRecord() does not write the first skip after the rollback that marked it", () => {
  const skipped = entry("web", 1, { result: "skipped_bad" });
  assert.equal(shouldRecord(entry("web", 0, { result: "rolled_back" }), skipped), false);
  assert.equal(shouldRecord(entry("web", 0, { result: "failed" }), skipped), false);
  assert.equal(
    shouldRecord(entry("web", 0, { result: "rolled_back", tree: "other" }), skipped),
    true,
  );
});

Deno.test("shouldRecord() always writes outcomes other than skipped_bad", () => {
  const deployed = entry("web", 1);
  assert.equal(shouldRecord(deployed, entry("web", 2)), true);
  assert.equal(shouldRecord(deployed, entry("web", 2, { result: "failed" })), true);
});

Deno.test("lastEntries() finds the newest entry of each stack asked for, from the end", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "history.jsonl");
    for (let minute = 0; minute < 6; minute++) {
      await appendHistory(path, entry(["web", "db", 'a"b'][minute % 3]!, minute));
    }
    // A torn last line is skipped like readHistory() skips it.
    await Deno.writeTextFile(path, '{"time":"x","stack":"web","comm', { append: true });
    const last = await lastEntries(path, ["web", 'a"b', "gone"]);
    assert.deepEqual([...last.entries()].sort(), [['a"b', entry('a"b', 5)], [
      "web",
      entry("web", 3),
    ]]);
    // The same answer as reading everything, for the stacks asked for.
    const all = lastByStack(await readHistory(path));
    assert.deepEqual(last.get("web"), all.get("web"));
  }));

Deno.test("lastEntries() reads nothing when no stack is asked for, and a missing file has none", () =>
  withTempDir(async (dir) => {
    assert.equal((await lastEntries(join(dir, "nope.jsonl"), ["web"])).size, 0);
    await Deno.mkdir(join(dir, "a-folder.jsonl"));
    // Asked for no stack, it does not even open the path (a folder here would throw).
    assert.equal((await lastEntries(join(dir, "a-folder.jsonl"), [])).size, 0);
  }));

Deno.test("rotateHistory() moves a full file to .1, replacing the older one, and leaves a small one", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "history.jsonl");
    assert.equal(await rotateHistory(path, 100), false, "no file, nothing to rotate");
    await appendHistory(path, entry("web", 1));
    const size = (await Deno.stat(path)).size;
    assert.equal(await rotateHistory(path, size + 1), false);
    assert.equal(await rotateHistory(path, size), true);
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
    await appendHistory(path, entry("api", 2));
    assert.equal(await rotateHistory(path, 1), true);
    const older = await Deno.readTextFile(rotatedHistory(path));
    assert.match(older, /"stack":"api"/);
    assert.doesNotMatch(older, /"stack":"web"/, "one older file only");
  });
});

Deno.test("readHistory() and lastEntries() read the rotated file too, the current one first", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "history.jsonl");
    await appendHistory(path, entry("web", 1));
    await appendHistory(path, entry("api", 2));
    await rotateHistory(path, 1);
    await appendHistory(path, entry("web", 3));
    const all = await readHistory(path);
    assert.deepEqual(all.map((e) => [e.stack, e.time.slice(14, 16)]), [
      ["web", "03"],
      ["api", "02"],
      ["web", "01"],
    ]);
    const last = await lastEntries(path, ["web", "api", "db"]);
    assert.equal(last.get("web")?.time.slice(14, 16), "03");
    assert.equal(last.get("api")?.time.slice(14, 16), "02");
    assert.equal(last.has("db"), false);
  });
});
