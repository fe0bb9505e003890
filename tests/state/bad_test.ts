import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type BadMark,
  clearBad,
  isBad,
  markBad,
  readBad,
  readBadLenient,
} from "../../lib/state/mod.ts";
import { AutostackError } from "../../lib/errors.ts";
import { withTempDir } from "../_temp.ts";

const MARK: BadMark = {
  tree: "a1b2c3",
  commit: "c0ffee",
  marked_at: "2026-03-01T10:00:00.000Z",
  reason: "web: unhealthy (exit 1)",
};

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

Deno.test("readBad() names a torn file on one line", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "bad.json");
    await Deno.writeTextFile(path, '{\n  "web": {\n    "tree": "a1');
    await assert.rejects(() => readBad(path), (error: unknown) => {
      assert.ok(error instanceof AutostackError);
      assert.ok(!error.message.includes("\n"), error.message);
      return true;
    });
  }));

Deno.test("readBadLenient() reads a valid, a blank and a missing file without a problem", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "bad.json");
    assert.deepEqual(await readBadLenient(path), { marks: {} });
    await Deno.writeTextFile(path, " \n");
    assert.deepEqual(await readBadLenient(path), { marks: {} });
    await markBad(path, "web", MARK);
    assert.deepEqual(await readBadLenient(path), { marks: { web: MARK } });
  }));

Deno.test("readBadLenient() keeps the valid marks and names the file and the broken ones in one line", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "bad.json");
    await Deno.writeTextFile(
      path,
      JSON.stringify({ web: MARK, db: { ...MARK, tree: 42 }, cache: "x" }),
    );
    const read = await readBadLenient(path);
    assert.deepEqual(Object.keys(read.marks), ["web"]);
    assert.equal(
      read.problem,
      `${path} has 2 invalid marks, left out: "db".tree: Invalid input: expected string, received number; "cache": Invalid input: expected object, received string`,
    );
    // The run still refuses the file: a lenient read is for reports only.
    await assert.rejects(() => readBad(path), AutostackError);
  }));

Deno.test("readBadLenient() keeps a stack named __proto__ as a mark of its own", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "bad.json");
    await Deno.writeTextFile(path, `{"__proto__": ${JSON.stringify(MARK)}, "web": 1}`);
    const { marks, problem } = await readBadLenient(path);
    assert.ok(Object.hasOwn(marks, "__proto__"));
    assert.equal(Object.getPrototypeOf(marks), Object.prototype);
    assert.match(problem ?? "", /has an invalid mark, left out: "web": /);
  }));

Deno.test("readBadLenient() of a torn or foreign file has no marks and one problem line", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "bad.json");
    await Deno.writeTextFile(path, '{\n  "web": {\n    "tree": "a1');
    const torn = await readBadLenient(path);
    assert.deepEqual(torn.marks, {});
    assert.match(torn.problem ?? "", new RegExp(`^${path} is not valid JSON: [^\n]+$`));
    await Deno.writeTextFile(path, "[1, 2]");
    assert.deepEqual(await readBadLenient(path), {
      marks: {},
      problem: `${path} is not a valid bad-versions file: not a JSON object`,
    });
  }));

Deno.test("readBadLenient() names a file it cannot read", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "bad.json");
    await Deno.mkdir(path);
    const read = await readBadLenient(path);
    assert.deepEqual(read.marks, {});
    assert.match(read.problem ?? "", new RegExp(`^${path} cannot be read: `));
  }));
