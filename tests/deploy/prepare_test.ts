/**
 * Unit tests of a run up to its plan, on a real git repo with a fake docker:
 * what it asks git for, and that what it skips does not change the plan.
 * @module
 */
import { UsageError } from "../../lib/errors.ts";
import { fakeRunner, memoryLogger } from "../_fakes.ts";
import { ConfigError } from "../../lib/errors.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "../../lib/config/mod.ts";
import type { Deps } from "../../lib/deps.ts";
import { daxRunner, type RunOptions } from "../../lib/process.ts";
import { prepareRun } from "../../lib/deploy/mod.ts";
import { testDeps } from "../_deps.ts";
import { writeVersion } from "../../lib/state/mod.ts";
import { StacksRepo } from "../e2e/_harness.ts";

/** A git call: git itself, or git under `timeout` (a clone or fetch). */
const isGit = (cmd: readonly string[]) => cmd[0] === "git" || cmd[0] === "timeout";

/** A repo with two stacks, `web` deployed at its first version, and deps whose docker sees `web` running. */
async function scene(fn: (repo: StacksRepo, base: string, deps: Deps & Calls) => Promise<void>) {
  const repo = await StacksRepo.create({
    "web/compose.yaml": "services: {}\n",
    "db/compose.yaml": "services: {}\n",
    "db/deploy.yml": "method: blind\n",
  });
  const base = await Deno.makeTempDir({ prefix: "autostack-run-" });
  const fake = fakeRunner(() => ({
    stdout: "web\trunning\tapp\tUp 1 hour\tabc\tweb-app-1\tFalse\n",
  }));
  const calls: string[][] = [];
  const runner = {
    run(cmd: readonly string[], options?: RunOptions) {
      calls.push([...cmd]);
      return isGit(cmd) ? daxRunner.run(cmd, options) : fake.run(cmd, options);
    },
  };
  const deps = { ...testDeps({ runner, cwd: base }), calls };
  try {
    await fn(repo, base, deps);
  } finally {
    await repo.cleanup();
    await Deno.remove(base, { recursive: true });
  }
}

interface Calls {
  calls: string[][];
}

Deno.test("prepareRun() lists a changed stack's files only when asked (for --dry-run)", async () => {
  await scene(async (repo, base, deps) => {
    const first = await repo.commit({});
    await Deno.mkdir(join(base, "running_stacks", "web"), { recursive: true });
    await writeVersion(join(base, "running_stacks", "web"), {
      commit: first,
      tree: await repo.tree("web"),
      pending: false,
    });
    await repo.commit({ "web/.env": "A=1\n" });
    const config = parseConfig(`repo: ${repo.url}\nbase_dir: ${base}\n`, "/c.yaml", {}, {
      hostname: "h",
    });
    const options = { force: false, only: [] };
    const run = await prepareRun(config, deps, { ...options, changedFiles: false });
    const diffs = () => deps.calls.filter((c) => c.includes("diff-tree")).length;
    assert.equal(diffs(), 0);
    const dry = await prepareRun(config, deps, { ...options, changedFiles: true });
    assert.equal(diffs(), 1);
    assert.deepEqual(dry.plan.find((i) => i.name === "web")?.files, [".env"]);
    // Apart from the files, both plans say the same.
    const strip = (p: typeof run.plan) => p.map(({ files: _, ...rest }) => rest);
    assert.deepEqual(strip(run.plan), strip(dry.plan));
    assert.deepEqual(run.plan.map((i) => [i.name, i.status, i.settings?.method]), [
      ["db", "new", "blind"],
      ["web", "changed", "simple"],
    ]);
  });
});

Deno.test("prepareRun() asks podman, not docker, for the containers when compose is /usr/bin/podman compose", async () => {
  await scene(async (repo, base, deps) => {
    await repo.commit({});
    const config = parseConfig(
      `repo: ${repo.url}\nbase_dir: ${base}\ncompose: [/usr/bin/podman, compose]\n`,
      "/c.yaml",
      {},
      { hostname: "h" },
    );
    await prepareRun(config, deps, { force: false, only: [], changedFiles: false });
    const engines = deps.calls.filter((c) => !isGit(c)).map((c) => `${c[0]} ${c[1]}`);
    assert.deepEqual(engines, ["podman ps"]);
  });
});

/** Deps whose git is real and whose docker sees the containers of `projects`, logging into `lines`. */
function realGit(base: string, projects: string[]): Deps & { lines: string[] } {
  const fake = fakeRunner(() => ({
    stdout: projects.map((p) => `${p}\trunning\tapp\tUp 1 hour\tabc\t${p}-app-1\tFalse\n`)
      .join(""),
  }));
  const logger = memoryLogger();
  const runner = {
    run: (cmd: readonly string[], options?: RunOptions) =>
      isGit(cmd) ? daxRunner.run(cmd, options) : fake.run(cmd, options),
  };
  return { ...testDeps({ runner, cwd: base, logger }), lines: logger.lines };
}

Deno.test("prepareRun() plans nested and file stacks as validate finds them, and says what it skipped", async () => {
  const repo = await StacksRepo.create({
    "stacks/infra/caddy-compose.yaml": "services:\n  c:\n    volumes: [./caddy:/etc/caddy:ro]\n",
    "stacks/infra/caddy/Caddyfile": ":80\n",
    "stacks/infra/komodo-compose.yaml": "services: {}\n",
    "stacks/infra/komodo-deploy.yaml": "method: blind\n",
    "stacks/infra/tunnel-config.yaml": "tunnel: x\n",
    "stacks/platform/auth/authentik/compose.yaml": "services: {}\n",
  });
  const base = await Deno.makeTempDir({ prefix: "autostack-run-" });
  try {
    const running: string[] = [];
    const deps = realGit(base, running);
    const text = (nested: boolean) =>
      `repo: ${repo.url}\nbase_dir: ${base}\nfolders: [stacks/infra, stacks/platform]\n` +
      `nested: ${nested}\n`;
    const config = (nested: boolean) => parseConfig(text(nested), "/c.yaml", {}, { hostname: "h" });
    const options = { force: false, only: [], changedFiles: true };
    const flat = await prepareRun(config(false), deps, options);
    assert.deepEqual(flat.plan.map((i) => [i.name, i.status]), [
      ["caddy", "new"],
      ["komodo", "new"],
    ]);
    assert.deepEqual(deps.lines, [
      "autostack: stacks/infra/tunnel-config.yaml: not a compose file",
      "autostack: stacks/platform/auth/authentik/compose.yaml: deeper than a stack folder " +
      "(set nested: true)",
    ]);
    const nested = await prepareRun(config(true), deps, options);
    assert.deepEqual(nested.plan.map((i) => [i.name, i.status, i.settings?.method]), [
      ["authentik", "new", "simple"],
      ["caddy", "new", "simple"],
      ["komodo", "new", "blind"],
    ]);
    // Deployed at this version, caddy changes through its files; the others do not change.
    for (const item of nested.plan) {
      const dir = join(base, "running_stacks", item.name);
      await Deno.mkdir(dir, { recursive: true });
      await writeVersion(dir, {
        commit: nested.head.commit,
        tree: item.stack!.tree,
        pending: false,
      });
      running.push(item.name);
    }
    await repo.commit({
      "stacks/infra/caddy/Caddyfile": ":8080\n",
      "stacks/infra/caddy-compose.yaml": "services: {c: {volumes: [./caddy:/etc/caddy]}}\n",
      "stacks/infra/tunnel-config.yaml": "tunnel: y\n",
    });
    const after = await prepareRun(config(true), deps, options);
    assert.deepEqual(after.plan.map((i) => [i.name, i.status, i.files]), [
      ["authentik", "unchanged", undefined],
      ["caddy", "changed", ["caddy/Caddyfile", "caddy-compose.yaml"]],
      ["komodo", "unchanged", undefined],
    ]);
  } finally {
    await repo.cleanup();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("prepareRun() refuses an AUTOSTACK_GIT_TIMEOUT that is no duration", async () => {
  const deps = testDeps({ env: { AUTOSTACK_GIT_TIMEOUT: "soon" } });
  const config = parseConfig("repo: /nowhere\nbase_dir: /nowhere\n", "/c.yaml", {}, {
    hostname: "h",
  });
  await assert.rejects(
    prepareRun(config, deps, { force: false, only: [] }),
    (e: Error) => e instanceof ConfigError && /AUTOSTACK_GIT_TIMEOUT: .*"soon"/.test(e.message),
  );
});

Deno.test("prepareRun() refuses a --stack name that is neither in the repo nor deployed, listing the known ones", async () => {
  await scene(async (repo, base, deps) => {
    await repo.commit({});
    const config = parseConfig(`repo: ${repo.url}\nbase_dir: ${base}\n`, "/c.yaml", {}, {
      hostname: "h",
    });
    await assert.rejects(
      () => prepareRun(config, deps, { force: false, only: ["nosuch"], changedFiles: false }),
      (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.equal(
          e.message,
          'run: no stack "nosuch" in the repo or deployed here (known: db, web)',
        );
        return true;
      },
    );
  });
});
