/**
 * Unit tests of version.txt: parsed, formatted, read and written, for one stack or all.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { listFiles } from "../../lib/fsutil.ts";
import {
  formatVersionFile,
  parseVersionFile,
  readDeployed,
  readVersion,
  statePaths,
  VERSION_FILE,
  type VersionInfo,
  writeVersion,
} from "../../lib/state/mod.ts";
import { withTempDir, writeFiles } from "../_temp.ts";

const COMMIT = "3f2c1e0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e";

const TREE = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

async function mkdir(dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

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
