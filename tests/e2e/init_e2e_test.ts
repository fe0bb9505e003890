/**
 * `autostack init`, end to end: from an empty folder to a config and a planned
 * deploy in one command, the units with `--systemd`, and never a file
 * overwritten. The CLI runs as a subprocess (the sources, or `AUTOSTACK_BIN`).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../../lib/config/mod.ts";
import { withTempDir } from "../_temp.ts";
import { requireDocker, SKIP_DOCKER } from "./_docker.ts";
import { cli, StacksRepo, webCompose } from "./_harness.ts";
import { stackName } from "./_scene.ts";

const ignore = SKIP_DOCKER;

/** A stacks repo with one stack under `stacks/`, and an empty folder to run init in. */
async function withFreshHost(fn: (repo: StacksRepo, dir: string, stack: string) => Promise<void>) {
  await requireDocker();
  const stack = stackName("init");
  const repo = await StacksRepo.create({ [`stacks/${stack}/compose.yaml`]: webCompose() });
  try {
    await withTempDir((dir) => fn(repo, dir, stack));
  } finally {
    await repo.cleanup();
  }
}

Deno.test({
  name: "init in an empty folder writes a config and plans the deploy, changing no container",
  ignore,
  fn: () =>
    withFreshHost(async (repo, dir, stack) => {
      const args = ["init", "--repo", repo.url, "--base-dir", "base", "--folders", "stacks"];
      const r = await cli(args, { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const file = join(dir, "autostack.yaml");
      const lines = r.stdout.trim().split("\n");
      assert.equal(lines[0], `wrote ${file}`);
      assert.match(r.stdout, /^plan for [0-9a-f]{7} \(dry run: nothing changed\)$/m);
      assert.match(
        r.stdout,
        new RegExp(`^${stack} +new +compose +- +[0-9a-f]{7} +not deployed yet$`, "m"),
      );
      assert.match(r.stdout, /^1 stack checked: 0 errors, 0 warnings$/m);
      assert.equal(lines.at(-1), `next: autostack run --config ${file}`);

      const config = await loadConfig(file, {}, { hostname: "h" });
      assert.equal(config.repo, repo.url);
      assert.equal(config.base_dir, join(dir, "base"));
      assert.deepEqual(config.folders, ["stacks"]);
      assert.deepEqual(config.warnings, []);
      // A dry run: the clone is there, nothing was deployed.
      const state = [...Deno.readDirSync(join(dir, "base"))].map((e) => e.name);
      assert.ok(!state.includes("running_stacks"), state.join(", "));

      // The next command works as printed: ./autostack.yaml is the default config.
      const plan = await cli(["run", "--dry-run"], { cwd: dir });
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, new RegExp(`^${stack} +new `, "m"));
    }),
});

Deno.test({
  name: "init --systemd writes the three units for this config and base dir",
  ignore,
  fn: () =>
    withFreshHost(async (repo, dir) => {
      const args = ["init", "--repo", repo.url, "--base-dir", "base", "--folders", "stacks"];
      const r = await cli([...args, "--systemd", "--unit-dir", "units"], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const file = join(dir, "autostack.yaml");
      for (const name of ["autostack.service", "autostack.timer", "autostack-watch.service"]) {
        assert.match(r.stdout, new RegExp(`^wrote ${join(dir, "units", name)}$`, "m"));
      }
      const service = await Deno.readTextFile(join(dir, "units", "autostack.service"));
      assert.match(
        service,
        new RegExp(`^ExecStart=/usr/local/bin/autostack run --config ${file}$`, "m"),
      );
      assert.match(
        service,
        new RegExp(`^ReadWritePaths=${join(dir, "base")} -/run/docker.sock$`, "m"),
      );
      assert.match(
        r.stdout,
        /^then: systemctl daemon-reload && systemctl enable --now autostack\.timer$/m,
      );
    }),
});

Deno.test({
  name: "init never overwrites a config or a unit, and writes nothing when it refuses",
  ignore,
  fn: () =>
    withFreshHost(async (repo, dir) => {
      const file = join(dir, "autostack.yaml");
      await Deno.writeTextFile(file, "repo: mine\n");
      const r = await cli(["init", "--repo", repo.url, "--base-dir", "base"], { cwd: dir });
      assert.equal(r.code, 2);
      assert.equal(r.stdout, "");
      assert.equal(
        r.stderr,
        `autostack: init: ${file} already exists: init never overwrites a file (edit it, or move it away first)\n`,
      );
      assert.equal(await Deno.readTextFile(file), "repo: mine\n");

      // A unit in the way: refused before the config is written.
      await Deno.remove(file);
      await Deno.mkdir(join(dir, "units"));
      await Deno.writeTextFile(join(dir, "units", "autostack.timer"), "mine\n");
      const units = await cli(
        ["init", "--repo", repo.url, "--base-dir", "base", "--systemd", "--unit-dir", "units"],
        { cwd: dir },
      );
      assert.equal(units.code, 2);
      assert.match(units.stderr, /units\/autostack\.timer already exists/);
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["units"]);
      assert.deepEqual([...Deno.readDirSync(join(dir, "units"))].map((e) => e.name), [
        "autostack.timer",
      ]);
    }),
});

Deno.test({
  name: "init with a repo it cannot fetch keeps the config, says what to fix, and exits 1",
  ignore,
  fn: () =>
    withFreshHost(async (_repo, dir) => {
      const missing = join(dir, "no-such-repo.git");
      const r = await cli(["init", "--repo", missing, "--base-dir", "base"], { cwd: dir });
      assert.equal(r.code, 1, r.stderr);
      const file = join(dir, "autostack.yaml");
      assert.match(r.stdout, new RegExp(`^wrote ${file}$`, "m"));
      assert.match(
        r.stderr,
        new RegExp(
          `^autostack: init: ${file} is written; fix it, then: autostack run --dry-run --config ${file}$`,
          "m",
        ),
      );
      assert.ok(!r.stderr.includes("    at "), "no stack trace");
    }),
});
