/**
 * End-to-end tests of secrets in the repo (docs/secrets.md): a stack with a
 * SOPS file (made by the real sops, tests/secrets/testdata) and an age file
 * (made here with Debian's `age`) deploys healthy only when both are
 * decrypted; plaintext is only in the running and good copies; a wrong key
 * fails the stack without touching the running version or marking it bad; a
 * tampered file is refused. Real Docker, real git, real `age`.
 * @module
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SKIP_DOCKER, TEST_IMAGE } from "./_docker.ts";
import { containersOf, live, outcomeLines, type Scene, stackFiles, withScene } from "./_scene.ts";
import { CANARY, withCanaryScene } from "./_canary.ts";

const ignore = SKIP_DOCKER;
const testdata = fileURLToPath(new URL("../secrets/testdata/", import.meta.url));
const SOPS_YAML = Deno.readTextFileSync(join(testdata, "secret.enc.yaml"));
/** What the decrypted files hold, and what must be found nowhere else. */
const SOPS_PLAIN = "this is a secret";
const AGE_PLAIN = `t0ken-${crypto.randomUUID()}`;

/** A grep pattern for `text` that does not hold `text` itself (the compose file is not secret). */
function hide(text: string): string {
  return `${text.slice(0, -1)}[${text.slice(-1)}]`;
}

/** A stack whose health needs both files decrypted in its folder. */
function secretCompose(): string {
  const probe = [
    `grep -q '${hide(`secret: ${SOPS_PLAIN}`)}' /run/s/secret.yaml`,
    `grep -q '${hide(AGE_PLAIN)}' /run/s/token.txt`,
    // $$: the container's variable, from the decrypted env_file, not compose's.
    `echo $$APP_TOKEN | grep -q '${hide(AGE_PLAIN)}'`,
  ].join(" && ");
  return `services:
  app:
    image: ${TEST_IMAGE}
    init: true
    network_mode: none
    command: ["sleep", "3600"]
    volumes:
      - ./secret.enc.yaml:/run/s/secret.yaml:ro
      - ./token.txt:/run/s/token.txt:ro
    env_file: app.env
    healthcheck:
      test: ["CMD", "sh", "-c", "${probe}"]
      interval: 1s
      timeout: 2s
      retries: 1
`;
}

/** The same stack without secrets, its probe `probe` (`true` or `exit 1`). */
function plainCompose(probe: string): string {
  return secretCompose().replace(/ {4}volumes:[\s\S]*?(?= {4}healthcheck)/, "").replace(
    /grep[^"]*/,
    probe,
  );
}

/** Runs a command, which must succeed; returns its stdout. */
async function sh(args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command(args[0]!, {
    args: args.slice(1),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  if (stdin !== undefined) await w.write(new TextEncoder().encode(stdin));
  await w.close();
  const out = await child.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

/** Keys made with age-keygen: `right` holds the sops fixture's identity and a new one. */
interface Keys {
  right: string;
  wrong: string;
  recipient: string;
  dir: string;
}

async function makeKeys(): Promise<Keys> {
  const dir = await Deno.makeTempDir({ prefix: "autostack_keys_" });
  await sh(["age-keygen", "-o", join(dir, "new.txt")]);
  await sh(["age-keygen", "-o", join(dir, "wrong.txt")]);
  const made = await Deno.readTextFile(join(dir, "new.txt"));
  const recipient = /public key: (age1\S+)/.exec(made)![1]!;
  const fixture = await Deno.readTextFile(join(testdata, "key.txt"));
  await Deno.writeTextFile(join(dir, "right.txt"), `${fixture}\n${made}`);
  return { right: join(dir, "right.txt"), wrong: join(dir, "wrong.txt"), recipient, dir };
}

/** The stack's files: compose, deploy.yaml, the SOPS file and `token.txt.age`. */
async function secretStack(
  name: string,
  keys: Keys,
  sops = SOPS_YAML,
  settings: Record<string, unknown> = {},
) {
  return {
    ...stackFiles(name, secretCompose(), settings),
    [`${name}/secret.enc.yaml`]: sops,
    [`${name}/token.txt.age`]: await sh(["age", "-a", "-r", keys.recipient], `${AGE_PLAIN}\n`),
    // compose reads it as the service's env_file.
    [`${name}/app.env.age`]: await sh(
      ["age", "-a", "-r", keys.recipient],
      `APP_TOKEN=${AGE_PLAIN}\n`,
    ),
  };
}

/** Every file under `root` whose bytes hold a plaintext, relative to `root`. */
async function filesWithPlaintext(root: string, skip: string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (skip.includes(path)) continue;
      if (e.isDirectory) await walk(path);
      else if (e.isFile) {
        const text = new TextDecoder().decode(await Deno.readFile(path));
        if (text.includes(SOPS_PLAIN) || text.includes(AGE_PLAIN)) found.push(relative(root, path));
      }
    }
  };
  await walk(root);
  return found;
}

async function mode(path: string): Promise<number> {
  return ((await Deno.stat(path)).mode ?? 0) & 0o777;
}

async function withKeys(fn: (keys: Keys) => Promise<void>): Promise<void> {
  const keys = await makeKeys();
  try {
    await fn(keys);
  } finally {
    await Deno.remove(keys.dir, { recursive: true });
  }
}

function noPlaintextIn(text: string, what: string): void {
  assert.ok(!text.includes(SOPS_PLAIN) && !text.includes(AGE_PLAIN), `plaintext in ${what}`);
}

Deno.test({
  name:
    "a stack with a SOPS file and an age file deploys healthy, with plaintext only in its two copies",
  ignore,
  fn: () =>
    withKeys((keys) =>
      withScene({ age_key_file: keys.right }, async (s: Scene) => {
        const name = s.name();
        await s.commit(await secretStack(name, keys));
        // compose checks the env_file that exists only as app.env.age: with the plaintext.
        const dry = await s.run(["--dry-run"]);
        assert.equal(dry.code, 0, dry.stdout + dry.stderr);
        noPlaintextIn(dry.stdout + dry.stderr, "the dry run");
        const r = await s.run();
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(outcomeLines(r).map((l) => [l.stack, l.result]), [[name, "deployed"]]);
        noPlaintextIn(r.stdout + r.stderr, "the output");

        const running = join(s.ws.base, "running_stacks", name);
        const good = join(s.ws.base, "good_stacks", name);
        for (const copy of [running, good]) {
          assert.equal(await mode(copy), 0o700, copy);
          assert.equal(await mode(join(copy, "secret.enc.yaml")), 0o600);
          assert.equal(await mode(join(copy, "token.txt")), 0o600);
          assert.equal(await mode(join(copy, "app.env")), 0o600);
          assert.match(await Deno.readTextFile(join(copy, "token.txt")), new RegExp(AGE_PLAIN));
          await assert.rejects(Deno.stat(join(copy, "token.txt.age")), Deno.errors.NotFound);
        }
        // The clone keeps the ciphertext; nothing else in the state holds plaintext.
        const clone = await Deno.readTextFile(join(s.ws.base, "repo", name, "secret.enc.yaml"));
        assert.match(clone, /ENC\[AES256_GCM/);
        assert.deepEqual(await filesWithPlaintext(s.ws.base, [running, good]), []);
        const [ok] = await containersOf(name);
        assert.equal(ok?.health, "healthy");

        const status = await s.ws.run(["status", "--json"]);
        noPlaintextIn(status.stdout + status.stderr, "status");
      })
    ),
});

Deno.test({
  name:
    "a wrong key fails the stack in one line with the running version untouched and no bad mark; the right key deploys it next run",
  ignore,
  fn: () =>
    withKeys((keys) =>
      withScene({}, async (s: Scene) => {
        const name = s.name();
        await s.commit(stackFiles(name, plainCompose("true")));
        assert.equal((await s.run()).code, 0);
        const before = await live(name);

        await s.commit(await secretStack(name, keys));
        const dry = await s.run(["--dry-run"], { SOPS_AGE_KEY_FILE: keys.wrong });
        assert.match(
          dry.stdout,
          new RegExp(`${name}\\s+refused\\s+.*cannot decrypt app\\.env\\.age: no age identity`),
        );
        noPlaintextIn(dry.stdout + dry.stderr, "the dry run");
        const wrong = await s.run([], { SOPS_AGE_KEY_FILE: keys.wrong });
        assert.equal(wrong.code, 1);
        assert.equal(wrong.stdout, "");
        assert.equal(wrong.stderr.trim().split("\n").length, 1, wrong.stderr);
        const [line] = outcomeLines(wrong);
        assert.equal(line?.result, "failed");
        assert.match(
          line?.message ?? "",
          /app\.env\.age: no age identity here can decrypt it; tried again next run/,
        );
        noPlaintextIn(wrong.stdout + wrong.stderr, "the output");
        assert.deepEqual(await live(name), before, "the running container was not touched");
        assert.deepEqual(await s.bad(), {}, "a host problem is no bad mark");

        // Told once: the same failure again is recorded, not printed again.
        const missing = await s.run([], { SOPS_AGE_KEY_FILE: join(keys.dir, "none.txt") });
        assert.deepEqual([missing.code, missing.stdout, missing.stderr], [1, "", ""]);
        assert.match(
          (await s.history()).at(-1)?.message ?? "",
          /^cannot decrypt app\.env\.age: no age key: SOPS_AGE_KEY_FILE .*none\.txt does not exist/,
        );

        const right = await s.run([], { SOPS_AGE_KEY: await Deno.readTextFile(keys.right) });
        assert.equal(right.code, 0, right.stderr);
        assert.deepEqual(outcomeLines(right).map((l) => l.result), ["deployed"]);
        assert.equal((await containersOf(name))[0]?.health, "healthy");
        const history = await s.history();
        assert.deepEqual(history.map((e) => e.result), [
          "deployed",
          "failed",
          "failed",
          "deployed",
        ]);
        noPlaintextIn(await Deno.readTextFile(join(s.ws.base, "history.jsonl")), "history");
      })
    ),
});

Deno.test({
  name: "a tampered SOPS file is refused and marked bad; a rollback needs no key",
  ignore,
  fn: () =>
    withKeys((keys) =>
      withScene({ age_key_file: keys.right }, async (s: Scene) => {
        const name = s.name();
        await s.commit(await secretStack(name, keys));
        assert.equal((await s.run()).code, 0);
        const before = await live(name);

        // A value taken out: every remaining value decrypts, only the MAC can tell.
        const tampered = SOPS_YAML.replace(/^string: .*\n/m, "");
        await s.commit(await secretStack(name, keys, tampered));
        const r = await s.run();
        assert.equal(r.code, 1);
        const [line] = outcomeLines(r);
        assert.equal(line?.result, "failed");
        assert.match(
          line?.message ?? "",
          /secret\.enc\.yaml:\d+: MAC check failed.*version marked bad/,
        );
        assert.deepEqual(await live(name), before);
        assert.ok((await s.bad())[name], "a broken file is the version's fault");

        // The good copy holds the plaintext: going back to it needs no key on the host.
        await Deno.remove(keys.right);
        await s.commit({
          ...stackFiles(name, plainCompose("exit 1")),
          [`${name}/secret.enc.yaml`]: null,
          [`${name}/token.txt.age`]: null,
          [`${name}/app.env.age`]: null,
        });
        const back = await s.run();
        assert.equal(back.code, 1);
        assert.deepEqual(outcomeLines(back).map((l) => l.result), ["rolled_back"]);
        assert.equal((await containersOf(name))[0]?.health, "healthy");
      })
    ),
});

Deno.test({
  name:
    "a canary update of a stack with secrets runs its copy and then the running copy with the plaintext",
  ignore,
  fn: () =>
    withKeys((keys) =>
      withCanaryScene(async (s, _net, names) => {
        const name = s.name();
        names.push(name);
        const env = { SOPS_AGE_KEY_FILE: keys.right };
        await s.commit(await secretStack(name, keys, SOPS_YAML, CANARY));
        assert.equal((await s.run([], env)).code, 0);
        // Encrypted again: a new version, deployed beside the old copy.
        await s.commit(await secretStack(name, keys, SOPS_YAML, CANARY));
        const r = await s.run([], env);
        assert.equal(r.code, 0, r.stderr);
        const [line] = outcomeLines(r);
        assert.equal(line?.result, "deployed");
        assert.match(line?.message ?? "", /live as .*-canary/);
        noPlaintextIn(r.stdout + r.stderr, "the output");

        const running = join(s.ws.base, "running_stacks", name);
        const slots = join(s.ws.base, "canary_stacks", name);
        for (const copy of [running, join(slots, `${name}-canary`)]) {
          assert.equal(await mode(copy), 0o700, copy);
          assert.equal(await mode(join(copy, "token.txt")), 0o600, copy);
          await assert.rejects(Deno.stat(join(copy, "token.txt.age")), Deno.errors.NotFound);
        }
        const good = join(s.ws.base, "good_stacks", name);
        const releases = join(s.ws.base, "good_stacks", ".releases");
        assert.deepEqual(await filesWithPlaintext(s.ws.base, [running, good, releases, slots]), []);
        assert.equal((await containersOf(`${name}-canary`))[0]?.health, "healthy");
      })
    ),
});
