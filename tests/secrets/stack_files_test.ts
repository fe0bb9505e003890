import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { armor, Encrypter, generateIdentity, identityToRecipient } from "age-encryption";
import {
  decryptStackFiles,
  type Identities,
  isAgeName,
  plainName,
  SecretError,
} from "../../lib/secrets/mod.ts";
import { withTempDir, writeFiles } from "../_temp.ts";

const testdata = fileURLToPath(new URL("./testdata/", import.meta.url));
const fixtureKey = Deno.readTextFileSync(join(testdata, "key.txt")).split("\n")
  .find((l) => l.startsWith("AGE-SECRET-KEY-"))!;
const keysOf = (keys: string[]) => (): Promise<Identities> =>
  Promise.resolve({ ok: true, keys, source: "test" });
const same = (files: string[]) => files.map((f) => ({ from: f, to: f }));

async function ageText(text: string, recipient: string): Promise<string> {
  const e = new Encrypter();
  e.addRecipient(recipient);
  return armor.encode(await e.encrypt(text));
}

Deno.test("plainName() drops .age; a file named only .age keeps its name", () => {
  assert.equal(plainName("conf/token.txt.age"), "conf/token.txt");
  assert.equal(plainName("compose.yaml"), "compose.yaml");
  assert.equal(isAgeName("conf/.age"), false);
});

Deno.test("decryptStackFiles() finds the SOPS and age files of a stack and reads no key for a plain stack", async () => {
  await withTempDir(async (dir) => {
    const id = await generateIdentity();
    await writeFiles(dir, {
      "compose.yaml": "services: {}\n",
      "conf/token.txt.age": await ageText("t0ken", await identityToRecipient(id)),
      ".env": await Deno.readTextFile(join(testdata, "secret.enc.env")),
    });
    const found = await decryptStackFiles(
      dir,
      same([".env", "compose.yaml", "conf/token.txt.age"]),
      keysOf([fixtureKey, id]),
    );
    const text = (d: Uint8Array) => new TextDecoder().decode(d);
    assert.deepEqual(found.map((f) => [f.encrypted, f.to, text(f.data)]), [
      [".env", ".env", "secret=this is a secret\nanother_secret=7\n"],
      ["conf/token.txt.age", "conf/token.txt", "t0ken"],
    ]);
    let asked = false;
    const none = await decryptStackFiles(dir, same(["compose.yaml"]), () => {
      asked = true;
      return Promise.resolve({ ok: false, why: "no key" });
    });
    assert.deepEqual(none, []);
    assert.equal(asked, false);
  });
});

Deno.test("decryptStackFiles() without a key fails on the first encrypted file, as the key's fault", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, { "a.env": await Deno.readTextFile(join(testdata, "secret.enc.env")) });
    const error = await decryptStackFiles(
      dir,
      same(["a.env"]),
      () => Promise.resolve({ ok: false, why: "no age key: /k does not exist" }),
    ).then(() => undefined, (e) => e);
    assert.ok(error instanceof SecretError);
    assert.equal(error.fault, "key");
    assert.equal(error.message, "a.env: no age key: /k does not exist");
  });
});
