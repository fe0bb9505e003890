import assert from "node:assert/strict";
import { join } from "node:path";
import { listFiles } from "../../lib/fsutil.ts";
import {
  clearRunning,
  formatVersionFile,
  installFiles,
  parseVersionFile,
  readDeployed,
  readVersion,
  statePaths,
  VERSION_FILE,
  type VersionInfo,
  writeVersion,
} from "../../lib/state/state.ts";

const COMMIT = "3f2c1e0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e";
const TREE = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "autostack_state_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
}

async function mkdir(dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

Deno.test("statePaths() lays out base_dir as SPEC 2 says", () => {
  const paths = statePaths("/srv/autostack");
  assert.equal(paths.repo, "/srv/autostack/repo");
  assert.equal(paths.running("web"), "/srv/autostack/running_stacks/web");
  assert.equal(paths.good("web"), "/srv/autostack/good_stacks/web");
  assert.equal(paths.orphans("web"), "/srv/autostack/orphans/web");
  assert.equal(paths.bad, "/srv/autostack/bad.json");
  assert.equal(paths.history, "/srv/autostack/history.jsonl");
  assert.equal(paths.lock, "/srv/autostack/autostack.lock");
});

Deno.test("statePaths() refuses a stack name that would leave its folder", () => {
  const paths = statePaths("/srv/autostack");
  for (const name of ["", "..", "a/b"]) assert.throws(() => paths.running(name));
});

Deno.test("parseVersionFile() reads the commit and the tree", () => {
  assert.deepEqual(parseVersionFile(`${COMMIT}\ntree ${TREE}\n`), {
    commit: COMMIT,
    tree: TREE,
    pending: false,
  });
});

Deno.test("parseVersionFile() tolerates CRLF line ends and trailing whitespace", () => {
  assert.deepEqual(parseVersionFile(`${COMMIT}  \r\ntree ${TREE}\t\r\n\r\n`), {
    commit: COMMIT,
    tree: TREE,
    pending: false,
  });
});

Deno.test("parseVersionFile() reads the pending line of a deploy in flight", () => {
  const text = `${COMMIT}\ntree ${TREE}\npending 2026-03-01T10:00:00.000Z\n`;
  assert.deepEqual(parseVersionFile(text), {
    commit: COMMIT,
    tree: TREE,
    pending: true,
    startedAt: "2026-03-01T10:00:00.000Z",
  });
});

Deno.test("parseVersionFile() returns undefined for garbage", () => {
  for (
    const text of [
      "",
      COMMIT,
      `${COMMIT}\n`,
      `${COMMIT}\ntree\n`,
      `${COMMIT}\nblob ${TREE}\n`,
      `not a hash\ntree ${TREE}\n`,
      `${COMMIT}\ntree ${TREE}\npending yesterday\n`,
      `${COMMIT}\ntree ${TREE}\nsomething else\n`,
      `${COMMIT}\ntree ${TREE}\npending\nmore\n`,
      "\u0000\u0000\u0000",
    ]
  ) {
    assert.equal(parseVersionFile(text), undefined, JSON.stringify(text));
  }
});

Deno.test("formatVersionFile() writes what parseVersionFile() reads back", () => {
  const versions: VersionInfo[] = [
    { commit: COMMIT, tree: TREE, pending: false },
    { commit: COMMIT, tree: TREE, pending: true, startedAt: "2026-03-01T10:00:00.000Z" },
  ];
  for (const v of versions) assert.deepEqual(parseVersionFile(formatVersionFile(v)), v);
  assert.equal(formatVersionFile(versions[0]!), `${COMMIT}\ntree ${TREE}\n`);
});

Deno.test("writeVersion() and readVersion() round-trip through version.txt", () =>
  withTempDir(async (dir) => {
    assert.equal(await readVersion(dir), undefined);
    await writeVersion(dir, {
      commit: COMMIT,
      tree: TREE,
      pending: true,
      startedAt: "2026-01-01T00:00:00Z",
    });
    assert.deepEqual(await readVersion(dir), {
      commit: COMMIT,
      tree: TREE,
      pending: true,
      startedAt: "2026-01-01T00:00:00Z",
    });
    await writeVersion(dir, { commit: COMMIT, tree: TREE, pending: false });
    assert.deepEqual(await readVersion(dir), { commit: COMMIT, tree: TREE, pending: false });
    assert.deepEqual(await listFiles(dir), [VERSION_FILE]);
  }));

Deno.test("readDeployed() maps every running folder to its version, undefined for a half-written one", () =>
  withTempDir(async (base) => {
    const paths = statePaths(base);
    assert.deepEqual(await readDeployed(paths), new Map());
    await writeVersion(await mkdir(paths.running("web")), {
      commit: COMMIT,
      tree: TREE,
      pending: false,
    });
    await writeFiles(paths.running("db"), { "compose.yaml": "services: {}\n" });
    await writeFiles(paths.running("api"), { [VERSION_FILE]: "garbage" });
    await Deno.writeTextFile(join(paths.runningRoot, "stray-file"), "");
    const deployed = await readDeployed(paths);
    assert.deepEqual([...deployed.keys()], ["api", "db", "web"]);
    assert.equal(deployed.get("api"), undefined);
    assert.equal(deployed.get("db"), undefined);
    assert.deepEqual(deployed.get("web"), { commit: COMMIT, tree: TREE, pending: false });
  }));

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
