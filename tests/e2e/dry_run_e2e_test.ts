/**
 * `autostack run --dry-run` and config errors, end to end: the CLI as a
 * subprocess against real git repos (and real Docker for the deployed case).
 * @module
 */
import assert from "node:assert/strict";
import { PlanJsonSchema } from "../../mod.ts";
import { join } from "node:path";
import { downProject, requireDocker, SKIP_DOCKER } from "./_docker.ts";
import { StacksRepo, webCompose, Workspace } from "./_harness.ts";

const id = () => crypto.randomUUID().slice(0, 6);

async function setup(files: Record<string, string>, config: Record<string, unknown> = {}) {
  const repo = await StacksRepo.create(files);
  const ws = await Workspace.create({ repo: repo.url, folders: ["stacks"], ...config });
  return { repo, ws, cleanup: () => Promise.all([repo.cleanup(), ws.cleanup()]) };
}

async function listing(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("run reports every config problem at once, one line each, exit 2", async () => {
  const ws = await Workspace.create({});
  try {
    await Deno.writeTextFile(ws.config, "jobs: -1\n");
    const result = await ws.run(["run"]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    const lines = result.stderr.trim().split("\n");
    assert.deepEqual(lines.length, 3, result.stderr);
    assert.match(lines[0]!, /repo/);
    assert.match(lines[1]!, /base_dir/);
    assert.match(lines[2]!, /jobs.*-1/);
    assert.ok(!result.stderr.includes("    at "), "no stack trace");
  } finally {
    await ws.cleanup();
  }
});

Deno.test("run --dry-run plans every stack as new and changes nothing but the clone", async () => {
  const s = await setup({
    "stacks/web/compose.yaml": webCompose(),
    "stacks/db/compose.yaml": webCompose(),
    "README.md": "hi\n",
  });
  try {
    const result = await s.ws.run(["run", "--dry-run"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^db\s+new\s/m);
    assert.match(result.stdout, /^web\s+new\s/m);
    assert.deepEqual(await listing(s.ws.base), ["repo"]);
  } finally {
    await s.cleanup();
  }
});

Deno.test("run --dry-run --json limited by --stack prints machine-readable JSON", async () => {
  const s = await setup({
    "stacks/web/compose.yaml": webCompose(),
    "stacks/db/compose.yaml": webCompose(),
  });
  try {
    const result = await s.ws.run(["run", "--dry-run", "--json", "--stack", "web"]);
    assert.equal(result.code, 0, result.stderr);
    const plan = PlanJsonSchema.parse(JSON.parse(result.stdout));
    assert.deepEqual(plan.stacks.map((p) => [p.stack, p.status]), [["web", "new"]]);
    assert.equal(plan.stacks[0]?.tree, await s.repo.tree("stacks/web"));
    const unknown = await s.ws.run(["run", "--dry-run", "--stack", "nope"]);
    assert.equal(unknown.code, 2);
    assert.equal(
      unknown.stderr,
      'autostack: run: no stack "nope" in the repo or deployed here (known: db, web)\n',
    );
  } finally {
    await s.cleanup();
  }
});

Deno.test("run --dry-run refuses a stack with method: fancy and plans the others", async () => {
  const s = await setup({
    "stacks/web/compose.yaml": webCompose(),
    "stacks/web/deploy.yaml": "method: fancy\n",
    "stacks/db/compose.yaml": webCompose(),
  });
  try {
    const result = await s.ws.run(["run", "--dry-run"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /stack "web": stacks\/web\/deploy\.yaml:1: method: .*fancy/);
    assert.match(result.stdout, /^db\s+new\s/m);
    assert.match(result.stdout, /^web\s+error\s/m);
  } finally {
    await s.cleanup();
  }
});

Deno.test("run --dry-run names a watched folder that does not exist", async () => {
  const s = await setup({ "stacks/web/compose.yaml": webCompose() }, {
    folders: ["stacks", "apps"],
  });
  try {
    const result = await s.ws.run(["run", "--dry-run"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /watched folder "apps" does not exist/);
    assert.match(result.stdout, /^web\s+new/m);
  } finally {
    await s.cleanup();
  }
});

Deno.test("run never prints a token from the repo URL", async () => {
  const ws = await Workspace.create({ repo: "https://bob:tok3n-secret@127.0.0.1:9/x.git" });
  try {
    const result = await ws.run(["run", "--dry-run"]);
    assert.equal(result.code, 1);
    assert.ok(!`${result.stdout}${result.stderr}`.includes("tok3n-secret"), result.stderr);
    assert.match(result.stderr, /git/);
  } finally {
    await ws.cleanup();
  }
});

Deno.test({
  name: "run --dry-run lists only the stack whose .env changed, not a README-only commit",
  ignore: SKIP_DOCKER,
  async fn() {
    await requireDocker();
    const a = `dry${id()}a`, b = `dry${id()}b`;
    const s = await setup({
      [`stacks/${a}/compose.yaml`]: webCompose(),
      [`stacks/${b}/compose.yaml`]: webCompose(),
      [`stacks/${b}/.env`]: "X=1\n",
      "README.md": "v1\n",
    });
    try {
      const deployed = await s.ws.run(["run"]);
      assert.equal(deployed.code, 0, deployed.stderr);
      await s.repo.commit({ "README.md": "v2\n" }, "docs only");
      const docs = await s.ws.run(["run", "--dry-run", "--json"]);
      const plan = PlanJsonSchema.parse(JSON.parse(docs.stdout));
      assert.deepEqual(plan.stacks.map((p) => p.status), [
        "unchanged",
        "unchanged",
      ]);
      await s.repo.commit({ [`stacks/${b}/.env`]: "X=2\n" }, "env");
      const env = await s.ws.run(["run", "--dry-run"]);
      assert.equal(env.code, 0, env.stderr);
      assert.match(env.stdout, new RegExp(`^${a}\\s+unchanged`, "m"));
      assert.match(env.stdout, new RegExp(`^${b}\\s+changed\\s.*files changed: \\.env$`, "m"));
      const version = await Deno.readTextFile(join(s.ws.base, "running_stacks", b, "version.txt"));
      assert.ok(!version.includes(await s.repo.tree(`stacks/${b}`)), "dry run wrote nothing");
    } finally {
      await Promise.all([a, b].map(downProject));
      await s.cleanup();
    }
  },
});
