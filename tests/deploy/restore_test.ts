/**
 * Unit tests of going back to `good_stacks/NAME` with a fake docker and git
 * (real files in a temp base_dir): what is taken down, which files end up
 * where, what `version.txt` says along the way, and what comes back.
 * @module
 */
import { fakeRunner } from "../_fakes.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { filesTarget, restoreGood } from "../../lib/deploy/mod.ts";
import { SETTINGS_DEFAULTS } from "../../lib/config/mod.ts";
import type { RunOptions, RunResult } from "../../lib/process.ts";
import { fileStamp, readVersion, statePaths, writeVersion } from "../../lib/state/mod.ts";
import { testContext, testDeps } from "../_deps.ts";

const HEAD = { commit: "c0ffee02", tree: "aaaa0000" };
const GOOD = { commit: "c0ffee01", tree: "aaaa1111" };
const NEW = { commit: "c0ffee02", tree: "bbbb2222" };
const GOOD_COMPOSE = "services:\n  app:\n    image: web:good\n";
const NEW_COMPOSE = "services:\n  app:\n    image: web:new\n";
const START = Date.parse("2026-03-01T12:00:00.000Z");

/** What a compose or docker call is: `up`, `down`… for compose; `ps`, `inspect` for docker. */
function verbOf(cmd: readonly string[]): string | undefined {
  if (cmd[1] !== "compose") return cmd[1];
  return cmd.find((a) => ["up", "config", "ps", "stop", "start", "down"].includes(a));
}

/**
 * A base_dir where `running_stacks/web` holds the failed new version (plus a
 * file a container wrote) and, unless `noGood`, `good_stacks/web` the good one
 * with its own `health_timeout: 2s`. Docker answers `app` as `health`
 * (`Up … (healthy)` or `(unhealthy)`); git lists each version's files.
 */
async function withStacks(
  health: "healthy" | "unhealthy",
  test: (setup: {
    base: string;
    ctx: ReturnType<typeof testContext>;
    runner: ReturnType<typeof fakeRunner>;
    versionAtUp: string[];
    elapsed: () => number;
  }) => Promise<void>,
  noGood = false,
): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "autostack-restore-" });
  try {
    const paths = statePaths(base);
    const running = paths.running("web");
    await Deno.mkdir(join(running, "data"), { recursive: true });
    await Deno.writeTextFile(join(running, "compose.yaml"), NEW_COMPOSE);
    await Deno.writeTextFile(join(running, "data", "uploads.db"), "written by a container");
    await writeVersion(running, { ...NEW, pending: false });
    if (!noGood) {
      const good = paths.good("web");
      await Deno.mkdir(good, { recursive: true });
      await Deno.writeTextFile(join(good, "compose.yaml"), GOOD_COMPOSE);
      await Deno.writeTextFile(join(good, "deploy.yaml"), "health_timeout: 2s\n");
      await writeVersion(good, { ...GOOD, pending: false });
    }
    let t = START;
    const versionAtUp: string[] = [];
    const answer = (cmd: readonly string[], _options: RunOptions): Partial<RunResult> => {
      if (cmd[0] === "git") {
        const tree = cmd.at(-1);
        if (tree === GOOD.tree) return { stdout: "compose.yaml\0deploy.yaml\0" };
        if (tree === NEW.tree) return { stdout: "compose.yaml\0" };
        return { code: 128, stderr: `fatal: not a tree object: ${tree}` };
      }
      switch (verbOf(cmd)) {
        case "up":
          versionAtUp.push(Deno.readTextFileSync(join(running, "version.txt")));
          return {};
        case "config":
          return { stdout: "app\n" };
        case "ps":
          return {
            stdout: [
              "web",
              "running",
              "app",
              `Up 2 seconds (${health})`,
              "a1",
              "web-app-1",
              "False",
            ]
              .join("\t"),
          };
        default:
          return {};
      }
    };
    const runner = fakeRunner(answer);
    const deps = testDeps({
      runner,
      cwd: base,
      now: () => new Date(t),
      sleep: (ms) => {
        t += ms;
        return Promise.resolve();
      },
    });
    const ctx = testContext(base, HEAD, deps);
    await test({ base, ctx, runner, versionAtUp, elapsed: () => t - START });
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

Deno.test("restoreGood() returns none and touches nothing when there is no good_stacks/NAME", async () => {
  await withStacks("healthy", async ({ ctx, runner }) => {
    const restored = await restoreGood(ctx, "web", SETTINGS_DEFAULTS);
    assert.equal(restored, "none");
    assert.deepEqual(runner.calls, []);
    const running = ctx.paths.running("web");
    assert.equal(await Deno.readTextFile(join(running, "compose.yaml")), NEW_COMPOSE);
    assert.deepEqual(await readVersion(running), { ...NEW, pending: false });
  }, true);
});

Deno.test("restoreGood() returns none for a good_stacks/NAME without a readable version.txt", async () => {
  await withStacks("healthy", async ({ ctx, runner }) => {
    await Deno.remove(join(ctx.paths.good("web"), "version.txt"));
    assert.equal(await restoreGood(ctx, "web", SETTINGS_DEFAULTS), "none");
    assert.deepEqual(runner.calls, []);
  });
});

Deno.test("restoreGood() takes the current project down, clears running_stacks/NAME, installs the good files and waits for healthy", async () => {
  await withStacks("healthy", async ({ base, ctx, runner, versionAtUp }) => {
    const running = ctx.paths.running("web");
    const current = await filesTarget(ctx, "web", running, SETTINGS_DEFAULTS);
    const restored = await restoreGood(ctx, "web", SETTINGS_DEFAULTS, current);
    assert.deepEqual(restored, { ok: true, ...GOOD, message: "healthy" });

    const docker = runner.calls.filter((c) => c.cmd[0] === "docker");
    assert.deepEqual(docker.map((c) => verbOf(c.cmd)), ["down", "up", "config", "ps"]);
    // Down by label: the failed version's files are not needed (nor trusted) for it.
    assert.deepEqual(docker[0]?.cmd, [
      "docker",
      "compose",
      "-p",
      "web",
      "down",
      "--remove-orphans",
    ]);
    // Up from the good files, now in running_stacks/web.
    assert.ok(docker[1]?.cmd.includes(join(running, "compose.yaml")), docker[1]?.cmd.join(" "));
    // Both versions' file lists were asked of git, to know what a container wrote.
    const trees = runner.calls.filter((c) => c.cmd[0] === "git").map((c) => c.cmd.at(-1)).sort();
    assert.deepEqual(trees, [GOOD.tree, NEW.tree]);

    assert.equal(await Deno.readTextFile(join(running, "compose.yaml")), GOOD_COMPOSE);
    assert.equal(await Deno.readTextFile(join(running, "deploy.yaml")), "health_timeout: 2s\n");
    await assert.rejects(Deno.stat(join(running, "data")), Deno.errors.NotFound);
    const orphan = join(base, "orphans", "web", fileStamp(new Date(START)), "data", "uploads.db");
    assert.equal(await Deno.readTextFile(orphan), "written by a container");

    // Pending while it starts (a run killed here deploys again), final once healthy.
    assert.deepEqual(versionAtUp, [
      `${GOOD.commit}\ntree ${GOOD.tree}\npending ${new Date(START).toISOString()}\n`,
    ]);
    assert.equal(
      await Deno.readTextFile(join(running, "version.txt")),
      `${GOOD.commit}\ntree ${GOOD.tree}\n`,
    );
    // The good copy stays where it was, for the next time.
    assert.deepEqual(await readVersion(ctx.paths.good("web")), { ...GOOD, pending: false });
  });
});

Deno.test("restoreGood() stops a good version that is not healthy either, with its own health_timeout, and leaves it pending", async () => {
  await withStacks("unhealthy", async ({ ctx, runner, elapsed }) => {
    // The new version's settings say 60 s; the good copy's deploy.yaml says 2 s.
    const restored = await restoreGood(ctx, "web", SETTINGS_DEFAULTS);
    assert.deepEqual(restored, {
      ok: false,
      ...GOOD,
      message: "not healthy: app: unhealthy",
    });
    assert.equal(elapsed(), 2_000);
    const verbs = runner.calls.filter((c) => c.cmd[0] === "docker").map((c) => verbOf(c.cmd));
    assert.deepEqual(verbs.slice(0, 3), ["down", "up", "config"]);
    assert.equal(verbs.at(-1), "stop");
    assert.deepEqual(runner.calls.at(-1)?.cmd, ["docker", "compose", "-p", "web", "stop"]);
    assert.equal(verbs.filter((v) => v === "down").length, 1, "stopped, not removed");
    const version = await readVersion(ctx.paths.running("web"));
    assert.deepEqual(version, {
      ...GOOD,
      pending: true,
      startedAt: new Date(START).toISOString(),
    });
  });
});
