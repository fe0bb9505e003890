/**
 * Unit tests of the file moves of a deploy, on real temp folders.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { listFiles } from "../../lib/fsutil.ts";
import {
  clearRunning,
  installFiles,
  listReleases,
  promoteRelease,
  readVersion,
  saveGood,
  statePaths,
  VERSION_FILE,
  writeVersion,
} from "../../lib/state/mod.ts";
import { withTempDir, writeFiles } from "../_temp.ts";

Deno.test("clearRunning() deletes the files the old version shipped and version.txt", () =>
  withTempDir(async (base) => {
    const dir = join(base, "running_stacks", "web");
    const orphans = join(base, "orphans", "web", "t1");
    await writeFiles(dir, { "compose.yaml": "", "conf/app.ini": "", [VERSION_FILE]: "x" });
    const moved = await clearRunning(dir, new Set(["compose.yaml", "conf/app.ini"]), orphans);
    assert.deepEqual(moved, []);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    await assert.rejects(() => Deno.stat(orphans), Deno.errors.NotFound);
  }));

Deno.test("clearRunning() moves files the old version did not ship into orphans", () =>
  withTempDir(async (base) => {
    const dir = join(base, "running_stacks", "web");
    const orphans = join(base, "orphans", "web", "t1");
    await writeFiles(dir, {
      "compose.yaml": "",
      "data/db.sqlite": "precious",
      "data/logs/today.log": "log",
      "cache.bin": "c",
      [VERSION_FILE]: "x",
    });
    const moved = await clearRunning(dir, new Set(["compose.yaml"]), orphans);
    assert.deepEqual(moved, ["cache.bin", "data/db.sqlite", "data/logs/today.log"]);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    assert.deepEqual(await listFiles(orphans), moved);
    assert.equal(await Deno.readTextFile(join(orphans, "data/db.sqlite")), "precious");
  }));

Deno.test("clearRunning() with an unknown file list moves everything but version.txt aside", () =>
  withTempDir(async (base) => {
    const dir = join(base, "running_stacks", "web");
    const orphans = join(base, "orphans", "web", "t1");
    await writeFiles(dir, { "compose.yaml": "a", "sub/x": "b", [VERSION_FILE]: "x" });
    await Deno.symlink("compose.yaml", join(dir, "link"));
    const moved = await clearRunning(dir, undefined, orphans);
    assert.deepEqual(moved, ["compose.yaml", "link", "sub/x"]);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    assert.equal(await Deno.readLink(join(orphans, "link")), "compose.yaml");
  }));

Deno.test("clearRunning() creates a missing folder and leaves it empty", () =>
  withTempDir(async (base) => {
    const dir = join(base, "running_stacks", "new");
    assert.deepEqual(await clearRunning(dir, new Set(), join(base, "orphans", "new", "t")), []);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    assert.deepEqual(await listFiles(base), []);
    await assert.rejects(() => Deno.stat(join(base, "orphans")), Deno.errors.NotFound);
  }));

Deno.test("installFiles() copies the whole folder, or only the listed files", () =>
  withTempDir(async (base) => {
    const from = join(base, "repo", "stacks", "web");
    await writeFiles(from, { "compose.yaml": "c", "conf/app.ini": "i", "notes.md": "n" });
    await Deno.chmod(join(from, "conf/app.ini"), 0o640);
    const all = join(base, "all");
    await installFiles(from, all);
    assert.deepEqual(await listFiles(all), ["compose.yaml", "conf/app.ini", "notes.md"]);
    const some = join(base, "some");
    await installFiles(from, some, ["compose.yaml", "conf/app.ini"]);
    assert.deepEqual(await listFiles(some), ["compose.yaml", "conf/app.ini"]);
    assert.equal(((await Deno.stat(join(some, "conf/app.ini"))).mode ?? 0) & 0o777, 0o640);
  }));

/** Deploys versions `ns` of `web` one after the other, each seen healthy (saveGood with `keep`). */
async function saveVersions(base: string, ns: number[], keep: number) {
  const paths = statePaths(base);
  for (const n of ns) {
    await Deno.mkdir(paths.running("web"), { recursive: true });
    await Deno.writeTextFile(join(paths.running("web"), "compose.yaml"), `# v${n}\n`);
    await writeVersion(paths.running("web"), {
      commit: `c${n}aaaa`,
      tree: `${n}eee`,
      pending: false,
    });
    await saveGood(paths, "web", keep);
  }
  return paths;
}

Deno.test("saveGood() keeps the good versions it replaces as releases, the keep_releases newest", () =>
  withTempDir(async (base) => {
    const paths = await saveVersions(base, [1, 2, 2, 3, 4], 3);
    assert.equal((await readVersion(paths.good("web")))?.commit, "c4aaaa");
    const kept = await listReleases(paths, "web");
    // The same version saved twice is one release; only keep - 1 = 2 are kept.
    assert.deepEqual(kept.map((r) => r.version.commit), ["c3aaaa", "c2aaaa"]);
    assert.equal(await Deno.readTextFile(join(kept[1]!.dir, "compose.yaml")), "# v2\n");
  }));

Deno.test("saveGood() with keep_releases 1 keeps no release", () =>
  withTempDir(async (base) => {
    const paths = await saveVersions(base, [1, 2], 1);
    assert.deepEqual(await listReleases(paths, "web"), []);
  }));

Deno.test("promoteRelease() swaps a release with the good version", () =>
  withTempDir(async (base) => {
    const paths = await saveVersions(base, [1, 2], 3);
    const [first] = await listReleases(paths, "web");
    await promoteRelease(paths, "web", first!.dir);
    assert.equal((await readVersion(paths.good("web")))?.commit, "c1aaaa");
    assert.deepEqual((await listReleases(paths, "web")).map((r) => r.version.commit), ["c2aaaa"]);
  }));
