import assert from "node:assert/strict";
import { join } from "node:path";
import { generateIdentity } from "age-encryption";
import { ageBinary, decryptAge, looksLikeAge } from "../../lib/secrets/mod.ts";
import { withTempDir } from "../_temp.ts";

/** Runs Debian's `age` or `age-keygen` (installed by scripts/setup.sh). */
async function run(cmd: string, args: string[], stdin?: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command(cmd, { args, stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  if (stdin) await writer.write(stdin);
  await writer.close();
  const out = await child.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return out.stdout;
}

/** A key made by age-keygen: its file's text and its recipient. */
async function keygen(dir: string): Promise<{ key: string; recipient: string }> {
  const file = join(dir, `key-${crypto.randomUUID()}.txt`);
  await run("age-keygen", ["-o", file]);
  const text = await Deno.readTextFile(file);
  const key = text.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-"))!;
  const recipient = /public key: (age1\S+)/.exec(text)![1]!;
  return { key, recipient };
}

const secret = new TextEncoder().encode("token=hunter2\n");

Deno.test("decryptAge() opens files the age tool made, armored and binary", async () => {
  await withTempDir(async (dir) => {
    const { key, recipient } = await keygen(dir);
    for (const flags of [["-a"], []]) {
      const encrypted = await run("age", [...flags, "-r", recipient], secret);
      assert.ok(looksLikeAge(encrypted));
      const result = await decryptAge(encrypted, [key]);
      assert.deepEqual(result, { ok: true, plain: secret });
    }
  });
});

Deno.test("decryptAge() tries every identity of a key file", async () => {
  await withTempDir(async (dir) => {
    const { key, recipient } = await keygen(dir);
    const encrypted = await run("age", ["-a", "-r", recipient], secret);
    const result = await decryptAge(encrypted, [await generateIdentity(), key]);
    assert.equal(result.ok, true);
  });
});

Deno.test("decryptAge() tells a key the file is not for from a damaged file", async () => {
  await withTempDir(async (dir) => {
    const { key, recipient } = await keygen(dir);
    const encrypted = await run("age", ["-r", recipient], secret);
    const other = await decryptAge(encrypted, [await generateIdentity()]);
    assert.deepEqual(other, {
      ok: false,
      fault: "key",
      why: "no age identity here can decrypt it",
    });
    const damaged = encrypted.slice();
    damaged[damaged.length - 3]! ^= 1;
    const broken = await decryptAge(damaged, [key]);
    assert.equal(broken.ok ? "ok" : broken.fault, "file");
    const bad = await decryptAge(encrypted, ["AGE-SECRET-KEY-1XYZ"]);
    assert.equal(bad.ok ? "ok" : bad.fault, "key");
  });
});

Deno.test("ageBinary() refuses what is not an age file without a key", async () => {
  const text = (s: string) => new TextEncoder().encode(s);
  assert.equal((await ageBinary(text("hello"))).ok, false);
  assert.equal(
    (await ageBinary(
      text("-----BEGIN AGE ENCRYPTED FILE-----\n!!!\n-----END AGE ENCRYPTED FILE-----\n"),
    ))
      .ok,
    false,
  );
  assert.equal((await ageBinary(text("age-encryption.org/v1\n-> X25519 a\n"))).ok, true);
});
