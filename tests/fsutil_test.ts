import assert from "node:assert/strict";
import { join } from "node:path";
import {
  copyDir,
  listFiles,
  readTextOrUndefined,
  removeIfExists,
  writeFileAtomic,
} from "../lib/fsutil.ts";
import { withTempDir } from "./_temp.ts";

Deno.test("readTextOrUndefined() returns undefined for a missing file and the text otherwise", () =>
  withTempDir(async (dir) => {
    assert.deepEqual(await readTextOrUndefined(join(dir, "nope.txt")), undefined);
    await Deno.writeTextFile(join(dir, "a.txt"), "hello\n");
    assert.deepEqual(await readTextOrUndefined(join(dir, "a.txt")), "hello\n");
  }));

Deno.test("readTextOrUndefined() still throws when the path is a folder", () =>
  withTempDir(async (dir) => {
    await assert.rejects(() => readTextOrUndefined(dir));
  }));

Deno.test("writeFileAtomic() replaces the content and leaves no temp file behind", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "bad.json");
    await writeFileAtomic(path, "one");
    await writeFileAtomic(path, "two");
    assert.deepEqual(await Deno.readTextFile(path), "two");
    assert.deepEqual(await listFiles(dir), ["bad.json"]);
  }));

Deno.test("writeFileAtomic() into a missing folder throws and creates nothing", () =>
  withTempDir(async (dir) => {
    await assert.rejects(() => writeFileAtomic(join(dir, "missing", "x.txt"), "x"));
    assert.deepEqual(await listFiles(dir), []);
  }));

Deno.test("copyDir() copies recursively, keeping file modes and symlinks as links", () =>
  withTempDir(async (dir) => {
    const from = join(dir, "from");
    await Deno.mkdir(join(from, "sub", "deep"), { recursive: true });
    await Deno.writeTextFile(join(from, "compose.yaml"), "services: {}\n");
    await Deno.writeTextFile(join(from, "sub", "deep", "run.sh"), "#!/bin/sh\n");
    await Deno.chmod(join(from, "sub", "deep", "run.sh"), 0o755);
    await Deno.writeTextFile(join(from, "secret.env"), "A=1\n");
    await Deno.chmod(join(from, "secret.env"), 0o600);
    await Deno.symlink("compose.yaml", join(from, "link.yaml"));
    await Deno.symlink("/etc/hostname", join(from, "outside"));

    const to = join(dir, "to", "nested");
    await copyDir(from, to);

    assert.deepEqual(await listFiles(to), [
      "compose.yaml",
      "link.yaml",
      "outside",
      "secret.env",
      "sub/deep/run.sh",
    ]);
    assert.deepEqual(
      ((await Deno.stat(join(to, "sub", "deep", "run.sh"))).mode ?? 0) & 0o777,
      0o755,
    );
    assert.deepEqual(((await Deno.stat(join(to, "secret.env"))).mode ?? 0) & 0o777, 0o600);
    assert.deepEqual((await Deno.lstat(join(to, "link.yaml"))).isSymlink, true);
    assert.deepEqual(await Deno.readLink(join(to, "link.yaml")), "compose.yaml");
    assert.deepEqual(await Deno.readLink(join(to, "outside")), "/etc/hostname");
    assert.deepEqual(await Deno.readTextFile(join(to, "compose.yaml")), "services: {}\n");
  }));

Deno.test("listFiles() lists nested files sorted, with forward slashes, and skips empty folders", () =>
  withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "b", "c"), { recursive: true });
    await Deno.mkdir(join(dir, "empty"));
    await Deno.writeTextFile(join(dir, "b", "c", "z.txt"), "");
    await Deno.writeTextFile(join(dir, "a.txt"), "");
    await Deno.writeTextFile(join(dir, "b", "y.txt"), "");
    assert.deepEqual(await listFiles(dir), ["a.txt", "b/c/z.txt", "b/y.txt"]);
  }));

Deno.test("listFiles() of a missing folder is empty", () =>
  withTempDir(async (dir) => {
    assert.deepEqual(await listFiles(join(dir, "missing")), []);
  }));

Deno.test("removeIfExists() removes a folder tree and says false when nothing was there", () =>
  withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "x", "y"), { recursive: true });
    await Deno.writeTextFile(join(dir, "x", "y", "f"), "");
    assert.deepEqual(await removeIfExists(join(dir, "x")), true);
    assert.deepEqual(await removeIfExists(join(dir, "x")), false);
    assert.deepEqual(await listFiles(dir), []);
  }));
