import assert from "node:assert/strict";
import {
  encryptedRule,
  goFloat,
  macAad,
  macBytes,
  pathAad,
  type SopsMetadata,
} from "../../lib/secrets/_sops_rules.ts";

const meta = (extra: Partial<SopsMetadata>): SopsMetadata => ({
  lastmodified: "",
  mac: "",
  ...extra,
});
const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("encryptedRule() follows sops: suffixes and regexes on any key of the path", () => {
  assert.equal(encryptedRule(meta({}))(["a", "b"]), true);
  const un = encryptedRule(meta({ unencrypted_suffix: "_unencrypted" }));
  assert.equal(un(["db_unencrypted", "host"]), false);
  assert.equal(un(["db", "host"]), true);
  const en = encryptedRule(meta({ encrypted_suffix: "_secret" }));
  assert.equal(en(["db", "password_secret"]), true);
  assert.equal(en(["db", "host"]), false);
  assert.equal(encryptedRule(meta({ unencrypted_regex: "^(host|port)$" }))(["db", "port"]), false);
  const er = encryptedRule(meta({ encrypted_regex: "^(data|stringData)$" }));
  assert.equal(er(["data", "x"]), true);
  assert.equal(er(["metadata", "name"]), false);
});

Deno.test("pathAad() and macAad() build the additional data as sops does", () => {
  assert.equal(pathAad(["complex", "array"]), "complex:array:");
  assert.equal(pathAad([]), ":");
  assert.equal(macAad("2024-03-25T22:08:10Z"), "2024-03-25T22:08:10Z");
  assert.equal(macAad("2024-03-25T22:08:10.123Z"), "2024-03-25T22:08:10Z");
  assert.equal(macAad("2024-03-25T22:08:10+00:00"), "2024-03-25T22:08:10Z");
  assert.equal(macAad("2024-03-25T22:08:10+02:00"), "2024-03-25T22:08:10+02:00");
});

Deno.test("macBytes() prints values like Go: True/False, floats without exponent", () => {
  assert.equal(text(macBytes({ type: "bool", value: true })), "True");
  assert.equal(text(macBytes({ type: "bool", value: false })), "False");
  assert.equal(text(macBytes({ type: "int", value: 7 })), "7");
  assert.equal(text(macBytes({ type: "float", value: 3.14 })), "3.14");
  assert.equal(text(macBytes({ type: "float", value: 7 })), "7");
  assert.equal(goFloat(1e21), "1000000000000000000000");
  assert.equal(goFloat(1.5e-7), "0.00000015");
  assert.equal(goFloat(-2.5e22), "-25000000000000000000000");
  assert.equal(goFloat(Infinity), "+Inf");
});
