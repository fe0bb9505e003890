/**
 * Unit tests of the health gate with a fake docker and a fake clock (real
 * files in a temp base_dir): `up`, then for `simple` the looks until healthy,
 * failed for good, or out of time; `blind` does not look.
 * @module
 */
import { fakeRunner } from "../_fakes.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { filesTarget, upAndCheck, watchHealth } from "../../lib/deploy/mod.ts";
import { SETTINGS_DEFAULTS } from "../../lib/config/mod.ts";
import type { RunOptions, RunResult } from "../../lib/process.ts";
import type { ComposeTarget } from "../../lib/docker/mod.ts";
import { statePaths } from "../../lib/state/mod.ts";
import { testContext, testDeps } from "../_deps.ts";

const HEAD = { commit: "c0ffee01", tree: "aaaa0000" };

/** A clock that only moves when slept on, and the sleeps asked of it. */
function fakeClock() {
  const start = Date.parse("2026-03-01T12:00:00.000Z");
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => new Date(t),
    sleep: (ms: number) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    elapsed: () => t - start,
    sleeps,
  };
}

/** One `docker ps` line in the engine's tab format (see CONTAINER_FORMAT). */
function psLine(service: string, state: string, status: string, id: string): string {
  return ["web", state, service, status, id, `web-${service}-1`, "False"].join("\t");
}

/** What a compose or docker call is: `up`, `config`, `down`… for compose; `ps`, `inspect` for docker. */
function verbOf(cmd: readonly string[]): string | undefined {
  if (cmd[1] !== "compose") return cmd[1];
  return cmd.find((a) => ["up", "config", "ps", "stop", "start", "down"].includes(a));
}

type Answer = (cmd: readonly string[], options: RunOptions) => Partial<RunResult> | undefined;

/**
 * Runs `test` with a context over a temp base_dir whose `running_stacks/web`
 * holds a compose file, the target of those files, and a fake clock.
 */
async function withGate(
  answer: Answer,
  test: (
    setup: {
      ctx: ReturnType<typeof testContext>;
      target: ComposeTarget;
      clock: ReturnType<typeof fakeClock>;
      runner: ReturnType<typeof fakeRunner>;
      steps: string[];
    },
  ) => Promise<void>,
): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "autostack-gate-" });
  try {
    const paths = statePaths(base);
    await Deno.mkdir(paths.running("web"), { recursive: true });
    await Deno.writeTextFile(join(paths.running("web"), "compose.yaml"), "services: {}\n");
    const clock = fakeClock();
    const steps: string[] = [];
    const runner = fakeRunner(answer);
    const deps = testDeps({
      runner,
      cwd: base,
      now: clock.now,
      sleep: clock.sleep,
      checkpoint: (step, stack) => steps.push(`${step} ${stack}`),
    });
    const ctx = testContext(base, HEAD, deps);
    const target = await filesTarget(ctx, "web", paths.running("web"), SETTINGS_DEFAULTS);
    await test({ ctx, target, clock, runner, steps });
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

Deno.test("upAndCheck() fails the gate with compose's own words when up fails, and looks no further", async () => {
  const answer: Answer = (cmd) =>
    verbOf(cmd) === "up"
      ? {
        code: 1,
        stderr: "app Pulling\nError response from daemon: pull access denied for nosuch/app\n",
      }
      : {};
  await withGate(answer, async ({ ctx, target, clock, runner }) => {
    const gate = await upAndCheck(ctx, target, SETTINGS_DEFAULTS, "simple");
    assert.deepEqual(gate, {
      ok: false,
      message: 'compose up failed for project "web" (exit 1): app Pulling\n' +
        "Error response from daemon: pull access denied for nosuch/app",
      services: [],
    });
    assert.deepEqual(runner.calls.map((c) => verbOf(c.cmd)), ["up"]);
    assert.deepEqual(clock.sleeps, []);
  });
});

Deno.test("upAndCheck() runs up -d on the target's files, then passes a simple gate once the project turns healthy", async () => {
  let looks = 0;
  const answer: Answer = (cmd) => {
    switch (verbOf(cmd)) {
      case "config":
        return { stdout: "app\n" };
      case "ps":
        looks++;
        return {
          stdout: looks < 3
            ? psLine("app", "running", "Up 1 second (health: starting)", "a1")
            : psLine("app", "running", "Up 3 seconds (healthy)", "a1"),
        };
      case "inspect":
        return { stdout: "[]" };
      default:
        return {};
    }
  };
  await withGate(answer, async ({ ctx, target, clock, runner, steps }) => {
    const gate = await upAndCheck(ctx, target, SETTINGS_DEFAULTS, "simple");
    assert.deepEqual(gate, { ok: true, message: "", services: [] });
    const dir = target.dir!;
    assert.deepEqual(runner.calls[0]?.cmd, [
      "docker",
      "compose",
      "-p",
      "web",
      "--project-directory",
      dir,
      "-f",
      join(dir, "compose.yaml"),
      "up",
      "-d",
      "--remove-orphans",
    ]);
    // `config --services` once after `up` (not beside it), then one look per tick;
    // the first starting healthcheck is asked for its schedule once.
    assert.deepEqual(
      runner.calls.map((c) => verbOf(c.cmd)),
      ["up", "config", "ps", "inspect", "ps", "ps"],
    );
    assert.equal(looks, 3);
    assert.deepEqual(clock.sleeps, [250, 250]);
    // The test checkpoint fires at the first look only.
    assert.deepEqual(steps, ["waiting_health web"]);
  });
});

Deno.test("upAndCheck() fails a project that stays unhealthy at health_timeout, naming the service and its last probe output", async () => {
  let probes = 0;
  const answer: Answer = (cmd) => {
    switch (verbOf(cmd)) {
      case "config":
        return { stdout: "app\ndb\n" };
      case "ps":
        return {
          stdout: [
            psLine("app", "running", "Up 9 seconds (unhealthy)", "a1"),
            psLine("db", "running", "Up 9 seconds (healthy)", "d1"),
          ].join("\n"),
        };
      case "inspect": {
        assert.deepEqual(cmd.slice(2), ["a1"], "only the unhealthy container is inspected");
        probes++;
        const log = [
          { ExitCode: 1, Output: "connection refused" },
          { ExitCode: 1, Output: `wget: server returned error: HTTP/1.1 503 (probe ${probes})\n` },
        ];
        return { stdout: JSON.stringify([{ Id: "a1ffffff", State: { Health: { Log: log } } }]) };
      }
      default:
        return {};
    }
  };
  await withGate(answer, async ({ ctx, target, clock }) => {
    const settings = { ...SETTINGS_DEFAULTS, health_timeout: 5_000 };
    const gate = await upAndCheck(ctx, target, settings, "simple");
    const detail = `wget: server returned error: HTTP/1.1 503 (probe ${probes})`;
    assert.deepEqual(gate, {
      ok: false,
      message: `not healthy: app: unhealthy (${detail})`,
      services: [{ service: "app", state: "unhealthy", detail }],
    });
    // It waited exactly the timeout, one look every 250 ms, the last look at 5 s.
    assert.equal(clock.elapsed(), 5_000);
    assert.ok(clock.sleeps.every((ms) => ms > 0 && ms <= 250), String(clock.sleeps));
    assert.equal(probes, 5_000 / 250 + 1);
  });
});

Deno.test("upAndCheck() fails at once on a container that exited with an error, without waiting out the timeout", async () => {
  const answer: Answer = (cmd) => {
    switch (verbOf(cmd)) {
      case "config":
        return { stdout: "app\n" };
      case "ps":
        return { stdout: psLine("app", "exited", "Exited (3) 1 second ago", "a1") };
      default:
        return {};
    }
  };
  await withGate(answer, async ({ ctx, target, clock }) => {
    const gate = await upAndCheck(ctx, target, SETTINGS_DEFAULTS, "simple");
    assert.deepEqual(gate, {
      ok: false,
      message: "not healthy: app: exited (exit code 3)",
      services: [{ service: "app", state: "exited", detail: "exit code 3" }],
    });
    assert.deepEqual(clock.sleeps, []);
  });
});

Deno.test("upAndCheck() with blind runs up and does not wait for health", async () => {
  const answer: Answer = (cmd) =>
    verbOf(cmd) === "ps"
      ? { stdout: psLine("app", "running", "Up 1 second (unhealthy)", "a1") }
      : {};
  await withGate(answer, async ({ ctx, target, clock, runner, steps }) => {
    const gate = await upAndCheck(ctx, target, SETTINGS_DEFAULTS, "blind");
    assert.deepEqual(gate, { ok: true, message: "", services: [] });
    assert.deepEqual(runner.calls.map((c) => verbOf(c.cmd)), ["up"]);
    assert.deepEqual(clock.sleeps, []);
    assert.deepEqual(steps, []);
  });
});

Deno.test("watchHealth() reports a declared service that never got a container as missing at its timeout", async () => {
  const answer: Answer = (cmd) => {
    switch (verbOf(cmd)) {
      case "config":
        return { stdout: "app\nworker\n" };
      case "ps":
        return { stdout: psLine("app", "running", "Up 5 seconds (healthy)", "a1") };
      default:
        return {};
    }
  };
  await withGate(answer, async ({ ctx, target, clock, steps }) => {
    const verdict = await watchHealth(ctx, target, 1_000, {
      name: "web",
      step: "canary_waiting_health",
    });
    assert.deepEqual(verdict, {
      status: "failed",
      faults: [{ service: "worker", state: "missing", detail: "no container" }],
    });
    assert.equal(clock.elapsed(), 1_000);
    // Five looks, one checkpoint: at the first, with the step and stack given.
    assert.deepEqual(steps, ["canary_waiting_health web"]);
  });
});
