/**
 * End-to-end tests of `autostack validate` (docs/validate.md): the CLI run as a
 * subprocess on each stacks checkout under `tests/testdata/validate/`, with
 * the real `docker compose config`, against the checkout's `expected.txt`;
 * plus `--strict`, `--json`, and compose errors only compose can find.
 * @module
 */
import { ValidateJsonSchema } from "../../lib/validate/mod.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { requireDocker } from "./_docker.ts";
import { cli, ROOT } from "./_harness.ts";

const CORPUS = join(ROOT, "tests", "validate", "testdata", "validate");
const ignore = Deno.env.get("AUTOSTACK_SKIP_DOCKER") === "1";

/** Runs `autostack validate .` in a corpus case, with its `autostack.yaml` when it has one. */
async function validateCase(name: string, extra: string[] = []) {
  const dir = join(CORPUS, name);
  const hasConfig = await Deno.stat(join(dir, "autostack.yaml")).then(() => true, () => false);
  const args = ["validate", ".", ...(hasConfig ? ["--config", "autostack.yaml"] : []), ...extra];
  return await cli(args, { cwd: dir });
}

for (const entry of [...Deno.readDirSync(CORPUS)].filter((e) => e.isDirectory)) {
  Deno.test({
    name: `validate prints the expected findings for testdata/validate/${entry.name}`,
    ignore,
    fn: async () => {
      await requireDocker();
      const expected = await Deno.readTextFile(join(CORPUS, entry.name, "expected.txt"));
      const r = await validateCase(entry.name);
      assert.equal(r.stdout, expected);
      assert.equal(r.stderr, "");
      const failed = expected.split("\n").some((line) => line.startsWith("error"));
      assert.equal(r.code, failed ? 1 : 0, r.stdout);
    },
  });
}

Deno.test({
  name: "validate --strict fails on warnings and passes a clean checkout",
  ignore,
  fn: async () => {
    await requireDocker();
    const warned = await validateCase("named-volume", ["--strict"]);
    assert.equal(warned.code, 1, warned.stdout);
    assert.match(warned.stdout, /1 stack checked: 0 errors, 2 warnings\n$/);
    const clean = await validateCase("clean", ["--strict"]);
    assert.deepEqual([clean.code, clean.stdout], [0, "2 stacks checked: 0 errors, 0 warnings\n"]);
  },
});

Deno.test({
  name: "validate --json gives each finding with its rule, file and line",
  ignore,
  fn: async () => {
    await requireDocker();
    const r = await validateCase("missing-script", ["--json"]);
    assert.equal(r.code, 1);
    const report = ValidateJsonSchema.parse(JSON.parse(r.stdout));
    assert.equal(report.schema_version, 1);
    assert.equal(report.ok, false);
    assert.deepEqual(report.stacks.map((s) => s.stack).sort(), ["api", "web"]);
    assert.deepEqual(report.summary, { stacks: 2, errors: 3, warnings: 0, notes: 0 });
    assert.deepEqual(
      report.findings.map((f) => [
        f.rule,
        f.file,
        f.line,
      ]),
      [
        ["missing-script", "stacks/api/compose.yaml", 2],
        ["missing-script", "stacks/web/deploy.yaml", 1],
        ["script-not-executable", "stacks/web/deploy.yaml", 2],
      ],
    );
  },
});

/** Writes `files` into a temp checkout, runs `validate` on it, removes it. */
async function validateFiles(files: Record<string, string>, args: string[] = []) {
  const dir = await Deno.makeTempDir({ prefix: "autostack-validate-" });
  try {
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(join(dir, path, ".."), { recursive: true });
      await Deno.writeTextFile(join(dir, path), text);
    }
    return await cli(["validate", dir, ...args]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const HEALTHY = `    image: autostack-test/busybox:latest
    healthcheck:
      test: ["CMD", "true"]
`;

Deno.test({
  name: "validate reports what only compose finds, in the override file that has it",
  ignore,
  fn: async () => {
    await requireDocker();
    const r = await validateFiles({
      "web/compose.yaml": `services:\n  web:\n${HEALTHY}    env_file: ./app.env\n`,
      "api/compose.yaml": `services:\n  api:\n${HEALTHY}`,
      "api/deploy.yaml": "compose_files: [compose.prod.yaml]\n",
      "api/compose.prod.yaml": "services:\n  api:\n    restart: always\n    ports: 8080\n",
    });
    assert.equal(r.code, 1, r.stdout);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 3, r.stdout);
    assert.match(
      lines[0]!,
      /^error +api\/compose\.prod\.yaml:4 +services\.api\.ports must be a list$/,
    );
    assert.match(lines[1]!, /^error +web\/compose\.yaml +env file web\/app\.env not found/);
    assert.equal(lines[2], "2 stacks checked: 2 errors, 0 warnings");
  },
});

Deno.test({
  name: "validate does not blame a stack for an env file that lives on the deploy host",
  ignore,
  fn: async () => {
    await requireDocker();
    const r = await validateFiles({
      "web/compose.yaml":
        `services:\n  web:\n${HEALTHY}    env_file: /etc/autostack-no-such/web.env\n`,
    });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /^note +web\/compose\.yaml +checked without variable substitution/);
  },
});
