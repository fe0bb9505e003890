import assert from "node:assert/strict";
import { join } from "node:path";
import { keySource, loadIdentities, parseIdentities } from "../../lib/secrets/mod.ts";
import { withTempDir, writeFiles } from "../_temp.ts";

Deno.test("keySource() takes age_key_file, then SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, then ~/.config", () => {
  const env = { SOPS_AGE_KEY_FILE: "/k/file", SOPS_AGE_KEY: "AGE-SECRET-KEY-1X", HOME: "/home/o" };
  assert.deepEqual(keySource("/etc/age.txt", env), {
    kind: "file",
    path: "/etc/age.txt",
    from: "age_key_file",
  });
  assert.deepEqual(keySource(undefined, env), {
    kind: "file",
    path: "/k/file",
    from: "SOPS_AGE_KEY_FILE",
  });
  assert.deepEqual(keySource(undefined, { ...env, SOPS_AGE_KEY_FILE: "" }), {
    kind: "env",
    text: "AGE-SECRET-KEY-1X",
  });
  assert.deepEqual(keySource(undefined, { HOME: "/home/o" }), {
    kind: "file",
    path: "/home/o/.config/sops/age/keys.txt",
    from: "default",
  });
  assert.equal(keySource(undefined, {}), undefined);
});

Deno.test("parseIdentities() reads every identity and skips comments, or names the bad line", () => {
  const text = "# created: now\n# public key: age1x\nAGE-SECRET-KEY-1AAA\n\nAGE-SECRET-KEY-1BBB\n";
  assert.deepEqual(parseIdentities(text), { keys: ["AGE-SECRET-KEY-1AAA", "AGE-SECRET-KEY-1BBB"] });
  assert.deepEqual(parseIdentities("AGE-SECRET-KEY-1AAA\nnot a key\n"), { badLine: 2 });
});

Deno.test("loadIdentities() says why there is no key, naming the source and never its content", async () => {
  await withTempDir(async (dir) => {
    const missing = await loadIdentities({
      kind: "file",
      path: join(dir, "no"),
      from: "age_key_file",
    });
    assert.deepEqual(missing, {
      ok: false,
      why: `no age key: age_key_file ${join(dir, "no")} does not exist`,
    });
    await writeFiles(dir, { "empty.txt": "# nothing\n", "k.txt": "AGE-SECRET-KEY-1AAA\n" });
    const empty = await loadIdentities({
      kind: "file",
      path: join(dir, "empty.txt"),
      from: "default",
    });
    assert.deepEqual(empty, {
      ok: false,
      why: `no age key: ${join(dir, "empty.txt")} holds no identity`,
    });
    const env = await loadIdentities({ kind: "env", text: "oops-secret-text" });
    assert.deepEqual(env, {
      ok: false,
      why: "age key SOPS_AGE_KEY: line 1 is not an age identity",
    });
    const ok = await loadIdentities({
      kind: "file",
      path: join(dir, "k.txt"),
      from: "SOPS_AGE_KEY_FILE",
    });
    assert.deepEqual(ok, {
      ok: true,
      keys: ["AGE-SECRET-KEY-1AAA"],
      source: `SOPS_AGE_KEY_FILE ${join(dir, "k.txt")}`,
    });
    assert.equal((await loadIdentities(undefined)).ok, false);
  });
});
