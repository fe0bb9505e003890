import assert from "node:assert/strict";
import {
  formatPinsFile,
  formatVersionFile,
  imageChanges,
  type ImagePin,
  isBad,
  parseVersionFile,
  pinnedImage,
  PINS_FILE,
  readVersion,
  samePins,
  writeVersion,
} from "../../lib/state/mod.ts";
import { withTempDir } from "../_temp.ts";

const D1 = `sha256:${"ab".repeat(32)}`;
const D2 = `sha256:${"cd".repeat(32)}`;
const web: ImagePin = { service: "web", image: "127.0.0.1:5000/app:stable", digest: D1 };

Deno.test("pinnedImage() swaps the tag for the digest and keeps a registry port", () => {
  assert.equal(pinnedImage(web), `127.0.0.1:5000/app@${D1}`);
  assert.equal(pinnedImage({ image: "nginx", digest: D1 }), `nginx@${D1}`);
  assert.equal(
    pinnedImage({ image: "localhost:5000/a/b", digest: D1 }),
    `localhost:5000/a/b@${D1}`,
  );
});

Deno.test("formatPinsFile() is a compose override naming each service's image by digest", () => {
  const text = formatPinsFile([web]);
  assert.match(text, /^# Written by autostack/);
  assert.deepEqual(JSON.parse(text.split("\n").slice(1).join("\n")), {
    services: { web: { image: `127.0.0.1:5000/app@${D1}` } },
  });
});

Deno.test("version.txt lists the image pins between the tree and the pending line", () => {
  const v = {
    commit: "abc1234",
    tree: "def5678",
    pending: true,
    startedAt: "2026-12-01T10:00:00.000Z",
    images: [web],
  };
  const text = formatVersionFile(v);
  assert.equal(
    text,
    `abc1234\ntree def5678\nimage web ${D1} 127.0.0.1:5000/app:stable\npending 2026-12-01T10:00:00.000Z\n`,
  );
  assert.deepEqual(parseVersionFile(text), v);
  assert.equal(parseVersionFile(`abc1234\ntree def5678\nimage web sha256:zz x\n`), undefined);
});

Deno.test("writeVersion() writes the pins file beside version.txt, and removes it without pins", async () => {
  await withTempDir(async (dir) => {
    await writeVersion(dir, { commit: "abc1234", tree: "def5678", pending: false, images: [web] });
    assert.match(await Deno.readTextFile(`${dir}/${PINS_FILE}`), /app@sha256:abab/);
    assert.deepEqual((await readVersion(dir))?.images, [web]);
    await writeVersion(dir, { commit: "abc1234", tree: "def5678", pending: false });
    await assert.rejects(() => Deno.stat(`${dir}/${PINS_FILE}`), Deno.errors.NotFound);
  });
});

Deno.test("samePins() and imageChanges() compare services by digest", () => {
  const moved = { ...web, digest: D2 };
  assert.equal(samePins([web], [web]), true);
  assert.equal(samePins([web], [moved]), false);
  assert.equal(samePins([], []), true);
  assert.deepEqual(imageChanges([web], [web]), []);
  assert.deepEqual(imageChanges([web], [moved]), [
    "image web: sha256:abababababab… → sha256:cdcdcdcdcdcd…",
  ]);
});

Deno.test("isBad() matches a mark's digests only when the stack follows its images", () => {
  const marks = {
    web: { tree: "t", commit: "c", marked_at: "x", reason: "r", images: [web] },
  };
  assert.equal(isBad(marks, "web", "t"), true);
  assert.equal(isBad(marks, "web", "t", [web]), true);
  assert.equal(isBad(marks, "web", "t", [{ ...web, digest: D2 }]), false);
  assert.equal(isBad(marks, "web", "other", [web]), false);
});
