/**
 * Unit tests of a run up to its plan, on a real git repo with a fake docker:
 * what it asks git for, and that what it skips does not change the plan.
 * @module
 */
import { fakeRunner } from "../_fakes.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "../../lib/config/mod.ts";
import type { Deps } from "../../lib/deps.ts";
import { daxRunner, type RunOptions } from "../../lib/process.ts";
import { prepareRun } from "../../lib/deploy/mod.ts";
import { testDeps } from "../_deps.ts";
import { writeVersion } from "../../lib/state/mod.ts";
import { StacksRepo } from "../e2e/_harness.ts";

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
      return cmd[0] === "git" ? daxRunner.run(cmd, options) : fake.run(cmd, options);
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
    const engines = deps.calls.filter((c) => c[0] !== "git").map((c) => `${c[0]} ${c[1]}`);
    assert.deepEqual(engines, ["podman ps"]);
  });
});
