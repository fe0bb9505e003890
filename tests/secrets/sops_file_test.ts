import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { decryptSops, parseIdentities, SecretError, sopsFormat } from "../../lib/secrets/mod.ts";
import { dataKeyFor, encryptMac, encryptValue } from "./_sops_make.ts";

const dir = fileURLToPath(new URL("./testdata/", import.meta.url));
const read = (name: string) => Deno.readTextFileSync(dir + name);
const parsed = parseIdentities(read("key.txt"));
const keys = "keys" in parsed ? parsed.keys : [];
const plain = JSON.parse(read("secret.json"));
/** The fixtures' recipient (key.txt's public key). */
const RECIPIENT = "age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr";

async function fault(text: string, name: string): Promise<string> {
  const format = sopsFormat(text);
  assert.ok(format, `${name} is still recognised`);
  try {
    await decryptSops(text, format, name, keys);
  } catch (error) {
    assert.ok(error instanceof SecretError, String(error));
    return error.fault;
  }
  return "decrypted";
}

Deno.test("sopsFormat() recognises the three sops-made files by their content", () => {
  assert.equal(sopsFormat(read("secret.enc.yaml")), "yaml");
  assert.equal(sopsFormat(read("secret.enc.json")), "json");
  assert.equal(sopsFormat(read("secret.enc.env")), "dotenv");
});

Deno.test("sopsFormat() leaves plain files alone, even with a sops key or ENC-like text", () => {
  assert.equal(sopsFormat(read("secret.json")), undefined);
  assert.equal(sopsFormat("services:\n  web:\n    image: x\n"), undefined);
  assert.equal(sopsFormat("sops:\n  version: 1\nx: ENC[AES256_GCM,data:]\n"), undefined);
  assert.equal(sopsFormat("A=ENC[AES256_GCM,data:x]\nB=2\n"), undefined);
});

Deno.test("decryptSops() turns sops's YAML file into exactly the plaintext, types kept", async () => {
  const out = await decryptSops(read("secret.enc.yaml"), "yaml", "secret.enc.yaml", keys);
  const { "0word": _, ...expected } = plain;
  assert.deepEqual(YAML.parse(out), expected);
  assert.doesNotMatch(out, /sops|ENC\[/);
});

Deno.test("decryptSops() turns sops's JSON file into exactly secret.json, key order kept", async () => {
  const out = await decryptSops(read("secret.enc.json"), "json", "secret.enc.json", keys);
  assert.deepEqual(JSON.parse(out), plain);
  assert.deepEqual(Object.keys(JSON.parse(out)), Object.keys(plain));
  assert.doesNotMatch(out, /sops|ENC\[/);
});

Deno.test("decryptSops() turns sops's dotenv file into its two lines", async () => {
  const out = await decryptSops(read("secret.enc.env"), "dotenv", "secret.enc.env", keys);
  assert.equal(out, "secret=this is a secret\nanother_secret=7\n");
});

Deno.test("a changed byte in any encrypted value of the three files is refused as the file's fault", async () => {
  for (const name of ["secret.enc.yaml", "secret.enc.json", "secret.enc.env"]) {
    const text = read(name);
    const end = name.endsWith(".env") ? text.indexOf("sops_") : text.search(/^\s*"?sops"?:/m);
    const values = [...text.slice(0, end).matchAll(/ENC\[AES256_GCM,[^\]]*\]/g)];
    assert.ok(values.length >= 2, name);
    let tried = 0;
    for (const value of values) {
      const start = value.index! + "ENC[AES256_GCM,".length;
      for (let at = start; at < value.index! + value[0].length - 9; at += 3) {
        const c = text[at]!;
        // Before padding, a base64 character carries unused bits that decoders ignore.
        if (!/[A-Za-z0-9+/]/.test(c) || text[at + 1] === "=") continue;
        const changed = text.slice(0, at) + (c === "A" ? "B" : "A") + text.slice(at + 1);
        assert.equal(await fault(changed, name), "file", `${name} with byte ${at} changed`);
        tried++;
      }
    }
    assert.ok(tried > 50, `${name}: ${tried} bytes tried`);
  }
});

Deno.test("a removed value, an added unencrypted value or a new lastmodified fails the MAC", async () => {
  const env = read("secret.enc.env");
  const removed = env.replace(/^another_secret=.*\n/m, "");
  assert.equal(await fault(removed, "secret.enc.env"), "file");
  const added = `${env}extra_unencrypted=1\n`;
  assert.equal(await fault(added, "secret.enc.env"), "file");
  const yaml = read("secret.enc.yaml").replace("2024-03-25T22:08:10Z", "2024-03-25T22:08:11Z");
  assert.equal(await fault(yaml, "secret.enc.yaml"), "file");
  await assert.rejects(
    decryptSops(removed, "dotenv", "secret.enc.env", keys),
    /^SecretError: secret.enc.env:\d+: MAC check failed/,
  );
});

Deno.test("a key the file was not encrypted for is the key's fault, and the message names the file only", async () => {
  const other = await generateIdentity();
  const error = await decryptSops(read("secret.enc.yaml"), "yaml", "app/secret.enc.yaml", [other])
    .then(() => undefined, (e) => e);
  assert.ok(error instanceof SecretError);
  assert.equal(error.fault, "key");
  assert.equal(error.message, "app/secret.enc.yaml: no age identity here can decrypt it");
});

Deno.test("an INI file in sops's layout decrypts per section, the [sops] section dropped", async () => {
  const { key, enc } = await dataKeyFor(RECIPIENT);
  const when = "2026-12-01T10:00:00Z";
  const text = [
    "[db]",
    `password = ${encryptValue("s3cret = yes", key, "db:password:")}`,
    "host_unencrypted = db.local",
    "",
    "[sops]",
    `age__list_0__map_enc = ${enc.replaceAll("\n", "\\n")}`,
    `age__list_0__map_recipient = ${RECIPIENT}`,
    `lastmodified = ${when}`,
    `mac = ${encryptMac(["s3cret = yes", "db.local"], key, when)}`,
    "unencrypted_suffix = _unencrypted",
    "",
  ].join("\n");
  assert.equal(sopsFormat(text), "ini");
  const out = await decryptSops(text, "ini", "app.ini", keys);
  assert.equal(out, "[db]\npassword = s3cret = yes\nhost_unencrypted = db.local\n");
});

Deno.test("mac_only_encrypted leaves unencrypted values out of the MAC", async () => {
  const { key, enc } = await dataKeyFor(RECIPIENT);
  const when = "2026-12-01T10:00:00Z";
  const yaml = (mac: string, only: boolean) =>
    YAML.stringify({
      token: encryptValue("abc", key, "token:"),
      port_unencrypted: 8080,
      sops: {
        age: [{ recipient: RECIPIENT, enc }],
        lastmodified: when,
        mac,
        unencrypted_suffix: "_unencrypted",
        ...(only ? { mac_only_encrypted: true } : {}),
      },
    });
  const onlyEncrypted = yaml(encryptMac(["abc"], key, when), true);
  assert.deepEqual(YAML.parse(await decryptSops(onlyEncrypted, "yaml", "a.yaml", keys)), {
    token: "abc",
    port_unencrypted: 8080,
  });
  const all = yaml(encryptMac(["abc", "8080"], key, when), false);
  assert.equal((YAML.parse(await decryptSops(all, "yaml", "a.yaml", keys))).token, "abc");
  assert.equal(await fault(yaml(encryptMac(["abc"], key, when), false), "a.yaml"), "file");
});

Deno.test("encrypted comments are decrypted with their place's path; plain ones stay", async () => {
  const { key, enc } = await dataKeyFor(RECIPIENT);
  const when = "2026-12-01T10:00:00Z";
  const text = [
    `#${encryptValue(" top note", key, ":", "comment")}`,
    `a: ${encryptValue("1", key, "a:", "int")}`,
    "# a plain comment",
    "b:",
    `  #${encryptValue(" inner note", key, "b:", "comment")}`,
    `  c: ${encryptValue("true", key, "b:c:", "bool")}`,
    "sops:",
    "  age:",
    `    - recipient: ${RECIPIENT}`,
    "      enc: |",
    ...enc.trimEnd().split("\n").map((l) => `        ${l}`),
    `  lastmodified: "${when}"`,
    `  mac: ${encryptMac(["1", "True"], key, when)}`,
    "",
  ].join("\n");
  const out = await decryptSops(text, "yaml", "c.yaml", keys);
  assert.deepEqual(YAML.parse(out), { a: 1, b: { c: true } });
  assert.match(out, /# top note/);
  assert.match(out, /# a plain comment/);
  assert.match(out, /# inner note/);
  assert.doesNotMatch(out, /ENC\[/);
});

Deno.test("a SOPS file without age recipients says it needs age", async () => {
  const text = read("secret.enc.env").replace(/^sops_age__.*\n/gm, "");
  await assert.rejects(
    decryptSops(text, "dotenv", "x.env", keys),
    /x\.env: no age recipient: only age-encrypted SOPS files can be decrypted/,
  );
});

Deno.test("a key from another recipient of the file works too (each entry is tried)", async () => {
  const id = await generateIdentity();
  const { key, enc } = await dataKeyFor(await identityToRecipient(id));
  const when = "2026-12-01T10:00:00Z";
  const text = [
    `A=${encryptValue("x", key, "A:")}`,
    `sops_age__list_0__map_enc=${
      read("secret.enc.env").match(/sops_age__list_0__map_enc=(.*)/)![1]
    }`,
    `sops_age__list_0__map_recipient=${RECIPIENT}`,
    `sops_age__list_1__map_enc=${enc.replaceAll("\n", "\\n")}`,
    `sops_age__list_1__map_recipient=${await identityToRecipient(id)}`,
    `sops_lastmodified=${when}`,
    `sops_mac=${encryptMac(["x"], key, when)}`,
    "",
  ].join("\n");
  assert.equal(await decryptSops(text, "dotenv", "x.env", [id]), "A=x\n");
});
