import assert from "node:assert/strict";
import { join } from "node:path";
import { type BadMark, clearBad, isBad, markBad, readBad } from "../../lib/state/mod.ts";
import { AutostackError } from "../../lib/errors.ts";

const MARK: BadMark = {
  tree: "a1b2c3",
  commit: "c0ffee",
  marked_at: "2026-03-01T10:00:00.000Z",
  reason: "web: unhealthy (exit 1)",
};

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "autostack_bad_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("readBad() of a missing file has no marks", () =>
  withTempDir(async (dir) => {
    assert.deepEqual(await readBad(join(dir, "bad.json")), {});
  }));

Deno.test("markBad() writes the mark in its documented form and readBad() reads it back", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "bad.json");
    await markBad(path, "web", MARK);
    await markBad(path, "db", { ...MARK, tree: "d4e5f6" });
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), {
      web: MARK,
      db: { ...MARK, tree: "d4e5f6" },
    });
    assert.deepEqual(await readBad(path), { web: MARK, db: { ...MARK, tree: "d4e5f6" } });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["bad.json"]);
  }));

Deno.test("markBad() replaces the earlier mark of the same stack", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "bad.json");
    await markBad(path, "web", MARK);
    await markBad(path, "web", { ...MARK, tree: "ffffff" });
    assert.deepEqual(await readBad(path), { web: { ...MARK, tree: "ffffff" } });
  }));

Deno.test("clearBad() removes a mark and says whether there was one", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "bad.json");
    await markBad(path, "web", MARK);
    await markBad(path, "db", MARK);
    assert.equal(await clearBad(path, "web"), true);
    assert.equal(await clearBad(path, "web"), false);
    assert.equal(await clearBad(path, "constructor"), false);
    assert.deepEqual(await readBad(path), { db: MARK });
  }));

Deno.test("readBad() throws naming the file when it is not JSON, instead of dropping the marks", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "bad.json");
    await Deno.writeTextFile(path, '{"web": {"tree": "a1');
    await assert.rejects(() => readBad(path), (error: unknown) => {
      assert.ok(error instanceof AutostackError);
      assert.match(error.message, new RegExp(`^${path} is not valid JSON`));
      return true;
    });
  }));

Deno.test("readBad() throws naming the file and the key when a mark has the wrong shape", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "bad.json");
    await Deno.writeTextFile(path, JSON.stringify({ web: { tree: 42 } }));
    await assert.rejects(
      () => readBad(path),
      (error: unknown) =>
        error instanceof AutostackError && error.message.includes(`${path}`) &&
        error.message.includes("web.tree"),
    );
    await assert.rejects(() => markBad(path, "db", MARK), AutostackError);
  }));

Deno.test("isBad() is true only for the marked tree of that stack", () => {
  const marks = { web: MARK };
  assert.equal(isBad(marks, "web", "a1b2c3"), true);
  assert.equal(isBad(marks, "web", "other"), false);
  assert.equal(isBad(marks, "db", "a1b2c3"), false);
  assert.equal(isBad(marks, "constructor", "a1b2c3"), false);
});
