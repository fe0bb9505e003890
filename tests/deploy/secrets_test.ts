import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SETTINGS_DEFAULTS } from "../../lib/config/mod.ts";
import {
  copiedNames,
  decryptSecrets,
  type DeployItem,
  secretsFailed,
  shippedNames,
  withCheckedFolder,
} from "../../lib/deploy/mod.ts";
import { readBad } from "../../lib/state/mod.ts";
import { testContext, testDeps } from "../_deps.ts";
import { withTempDir, writeFiles } from "../_temp.ts";

const testdata = fileURLToPath(new URL("../secrets/testdata/", import.meta.url));
const HEAD = { commit: "c".repeat(40), tree: "t".repeat(40) };

function item(name: string): DeployItem {
  return {
    name,
    status: "changed",
    action: "deploy",
    why: "files changed",
    stack: { name, path: name, composeFile: "compose.yaml", tree: "a".repeat(40) },
    settings: SETTINGS_DEFAULTS,
  };
}

async function setUp(base: string, env: Record<string, string>) {
  await writeFiles(join(base, "repo", "web"), {
    "compose.yaml": "services: {}\n",
    ".env": await Deno.readTextFile(join(testdata, "secret.enc.env")),
  });
  return testContext(base, HEAD, testDeps({ cwd: base, env }));
}

Deno.test("shippedNames() and copiedNames() know that NAME.age is NAME in a copy", () => {
  assert.deepEqual(shippedNames(["a.age", "b"]), ["a.age", "a", "b"]);
  assert.deepEqual(copiedNames(["a.age", "b"]), ["a", "b"]);
});

Deno.test("decryptSecrets() reads the key from SOPS_AGE_KEY_FILE in the run's environment", async () => {
  await withTempDir(async (base) => {
    const ctx = await setUp(base, { SOPS_AGE_KEY_FILE: join(testdata, "key.txt") });
    const secrets = await decryptSecrets(ctx, item("web"));
    assert.ok(secrets.ok);
    assert.deepEqual(secrets.files.map((f) => f.to), [".env"]);
  });
});

Deno.test("a missing key fails the stack unmarked; a broken file fails it marked bad", async () => {
  await withTempDir(async (base) => {
    const ctx = await setUp(base, { HOME: join(base, "home") });
    const secrets = await decryptSecrets(ctx, item("web"));
    assert.ok(!secrets.ok);
    assert.equal(secrets.fault, "key");
    const outcome = await secretsFailed(ctx, item("web"), secrets);
    assert.equal(outcome.result, "failed");
    assert.match(
      outcome.message,
      /^cannot decrypt \.env: no age key: .*keys\.txt does not exist; tried again next run; the running version was left untouched$/,
    );
    assert.deepEqual(await readBad(ctx.paths.bad), {});

    const broken = await secretsFailed(ctx, item("web"), {
      ok: false,
      fault: "file",
      message: ".env:9: MAC check failed",
    });
    assert.match(broken.message, /MAC check failed; version marked bad/);
    assert.equal((await readBad(ctx.paths.bad)).web?.tree, "a".repeat(40));
  });
});

Deno.test("withCheckedFolder() gives compose a private copy with the plaintext, and removes it", async () => {
  await withTempDir(async (base) => {
    const ctx = await setUp(base, { SOPS_AGE_KEY_FILE: join(testdata, "key.txt") });
    const secrets = await decryptSecrets(ctx, item("web"));
    assert.ok(secrets.ok);
    let seen = "";
    const stage = await withCheckedFolder(ctx, item("web"), secrets.files, async (dir) => {
      seen = await Deno.readTextFile(join(dir!, ".env"));
      assert.equal(((await Deno.stat(dir!)).mode ?? 0) & 0o777, 0o700);
      return dir!;
    });
    assert.equal(seen, "secret=this is a secret\nanother_secret=7\n");
    await assert.rejects(Deno.stat(stage), Deno.errors.NotFound);
    assert.equal(
      await withCheckedFolder(ctx, item("web"), [], (dir) => Promise.resolve(dir)),
      undefined,
    );
  });
});
