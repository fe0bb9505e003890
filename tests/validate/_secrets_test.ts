import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { armor, Encrypter, generateIdentity, identityToRecipient } from "age-encryption";
import { main } from "../../lib/app.ts";
import { fakeRunner, memoryLogger } from "../_fakes.ts";
import { testDeps } from "../_deps.ts";
import { withTempDir, writeFiles } from "../_temp.ts";

const testdata = fileURLToPath(new URL("../secrets/testdata/", import.meta.url));
const sops = (name: string) => Deno.readTextFileSync(join(testdata, name));

/** Runs `autostack validate ARGS` in `cwd` without Docker; its exit code and stdout. */
async function validate(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const runner = fakeRunner(() => ({ code: 127, stderr: "dax: docker: command not found\n" }));
  const deps = testDeps({ runner, logger: memoryLogger(), cwd, out: (l) => void lines.push(l) });
  const code = await main(["validate", ...args], deps);
  return { code, lines: lines.filter((l) => !l.startsWith("note: docker")) };
}

async function ageOf(text: string, recipient: string): Promise<string> {
  const e = new Encrypter();
  e.addRecipient(recipient);
  return armor.encode(await e.encrypt(text));
}

Deno.test("validate notes each SOPS and age file, and errs on a malformed one with its line", async () => {
  await withTempDir(async (dir) => {
    const id = await generateIdentity();
    await writeFiles(dir, {
      "app/compose.yaml": "services:\n  app:\n    image: x\n",
      "app/.env": sops("secret.enc.env"),
      "app/config.json": sops("secret.enc.json"),
      "app/token.txt.age": await ageOf("t", await identityToRecipient(id)),
      "app/broken.txt.age":
        "-----BEGIN AGE ENCRYPTED FILE-----\n!!\n-----END AGE ENCRYPTED FILE-----\n",
      "app/bad.yaml": sops("secret.enc.yaml").replace(/^ {2}lastmodified: .*\n/m, ""),
    });
    const { code, lines } = await validate(dir);
    assert.equal(code, 1);
    const text = lines.join("\n");
    assert.match(
      text,
      /error\s+app\/bad\.yaml:\d+\s+sops metadata: "lastmodified" is missing or wrong/,
    );
    assert.match(text, /error\s+app\/broken\.txt\.age:1\s+not a valid armored age file/);
    assert.match(text, /note\s+app\/\.env\s+SOPS file \(dotenv\): decrypted at deploy/);
    assert.match(text, /note\s+app\/config\.json\s+SOPS file \(json\): decrypted at deploy/);
    assert.match(text, /note\s+app\/token\.txt\.age\s+age file: decrypted at deploy/);
  });
});

Deno.test("validate --age-key-file checks that each file decrypts and passes its MAC", async () => {
  await withTempDir(async (dir) => {
    const id = await generateIdentity();
    const fixtureKey = sops("key.txt");
    await writeFiles(dir, {
      "keys.txt": `${fixtureKey}\n${id}\n`,
      "other.txt": `${await generateIdentity()}\n`,
      "app/compose.yaml": "services:\n  app:\n    image: x\n",
      "app/secret.yaml": sops("secret.enc.yaml"),
      "app/token.txt.age": await ageOf("t", await identityToRecipient(id)),
      "app/changed.env": sops("secret.enc.env").replace(/^another_secret=.*\n/m, ""),
    });
    const withKey = await validate(join(dir, "app"), "--age-key-file", "../keys.txt");
    const text = withKey.lines.join("\n");
    assert.match(text, /note\s+secret\.yaml\s+SOPS file \(yaml\): decrypts and passes its MAC/);
    assert.match(text, /note\s+token\.txt\.age\s+age file: decrypts with the key/);
    assert.match(text, /error\s+changed\.env:\d+\s+MAC check failed/);
    assert.equal(withKey.code, 1);

    const other = await validate(join(dir, "app"), "--age-key-file", "../other.txt");
    assert.match(
      other.lines.join("\n"),
      /error\s+secret\.yaml\s+no age identity here can decrypt it/,
    );
    assert.doesNotMatch(other.lines.join("\n"), /this is a secret/);
    await assert.rejects(
      validate(dir, "--age-key-file", "nope.txt"),
      /validate: --age-key-file: no age key: age_key_file .*nope\.txt does not exist/,
    );
  });
});
