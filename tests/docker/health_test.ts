/**
 * Unit tests of the health verdict (docs/how-it-works.md#healthy) and of the wait loop,
 * with a fake clock, a fake sleep and a fake runner: nothing really waits.
 * @module
 */
import { DockerDownError } from "../../lib/errors.ts";
import { fakeRunner } from "../_fakes.ts";
import assert from "node:assert/strict";
import {
  checkHealth,
  Compose,
  type ComposeTarget,
  type ContainerInfo,
  describeFaults,
  evaluateHealth,
  type Verdict,
  waitHealthy,
} from "../../lib/docker/mod.ts";
import { ComposeError } from "../../lib/errors.ts";
import type { RunResult } from "../../lib/process.ts";

function c(service: string, state: string, health = "", exitCode = 0): ContainerInfo {
  return { id: `id-${service}`, name: `p-${service}-1`, service, state, health, exitCode };
}

Deno.test("evaluateHealth() counts running containers without a healthcheck as healthy", () => {
  assert.deepEqual(evaluateHealth(["web"], [c("web", "running")]), { status: "healthy" });
  assert.deepEqual(evaluateHealth(["web"], [c("web", "running", "healthy")]), {
    status: "healthy",
  });
});

Deno.test("evaluateHealth() counts a one-shot service that exited 0 as healthy", () => {
  const v = evaluateHealth(["web", "migrate"], [c("web", "running"), c("migrate", "exited")]);
  assert.deepEqual(v, { status: "healthy" });
});

Deno.test("evaluateHealth() fails at once on a service that exited 1", () => {
  const v = evaluateHealth(["web", "db"], [
    c("web", "running", "starting"),
    c("db", "exited", "", 1),
  ]);
  assert.deepEqual(v, {
    status: "failed",
    faults: [
      { service: "web", state: "starting", detail: "" },
      { service: "db", state: "exited", detail: "exit code 1" },
    ],
  });
});

Deno.test("evaluateHealth() quotes the last probe output of an unhealthy service", () => {
  const probes = new Map([["id-web", {
    exitCode: 1,
    output: "Connecting to 127.0.0.1:8080\nwget: server returned error: HTTP/1.1 404 Not Found\n",
  }]]);
  const v = evaluateHealth(["web"], [c("web", "running", "unhealthy")], probes);
  assert.deepEqual(v, {
    status: "waiting",
    faults: [{
      service: "web",
      state: "unhealthy",
      detail: "Connecting to 127.0.0.1:8080 wget: server returned error: HTTP/1.1 404 Not Found",
    }],
  });
});

Deno.test("evaluateHealth() cuts long probe output and names a silent probe's exit code", () => {
  const long = new Map([["id-web", { exitCode: 1, output: "x".repeat(500) }]]);
  const v = evaluateHealth(["web"], [c("web", "running", "unhealthy")], long);
  assert.ok(v.status === "waiting");
  assert.equal(v.faults[0]?.detail.length, 200);
  assert.ok(v.faults[0]?.detail.endsWith("…"));
  const silent = new Map([["id-web", { exitCode: 137, output: " \n" }]]);
  const w = evaluateHealth(["web"], [c("web", "running", "unhealthy")], silent);
  assert.ok(w.status === "waiting");
  assert.equal(w.faults[0]?.detail, "probe exit code 137");
});

Deno.test("evaluateHealth() keeps waiting while a healthcheck is starting", () => {
  const v = evaluateHealth(["web"], [c("web", "running", "starting")]);
  assert.deepEqual(v, {
    status: "waiting",
    faults: [{ service: "web", state: "starting", detail: "" }],
  });
});

Deno.test("evaluateHealth() waits for a service that has no container yet", () => {
  const v = evaluateHealth(["web", "db"], [c("web", "running")]);
  assert.deepEqual(v, {
    status: "waiting",
    faults: [{ service: "db", state: "missing", detail: "no container" }],
  });
});

Deno.test("evaluateHealth() does not count a restarting service as healthy, nor as final", () => {
  const v = evaluateHealth(["web"], [c("web", "restarting", "", 2)]);
  assert.deepEqual(v, {
    status: "waiting",
    faults: [{ service: "web", state: "restarting", detail: "exit code 2" }],
  });
});

Deno.test("evaluateHealth() waits for created containers", () => {
  const v = evaluateHealth(["web"], [c("web", "created")]);
  assert.equal(v.status, "waiting");
});

Deno.test("evaluateHealth() judges every replica and containers of unlisted services", () => {
  const web2 = { ...c("web", "exited", "", 3), id: "id-web-2" };
  assert.equal(evaluateHealth(["web"], [c("web", "running"), web2]).status, "failed");
  assert.equal(
    evaluateHealth(["web"], [c("web", "running"), c("old", "dead", "", 1)]).status,
    "failed",
  );
});

Deno.test("evaluateHealth() does not call a project without services or containers healthy", () => {
  assert.equal(evaluateHealth([], []).status, "waiting");
});

Deno.test("describeFaults() names each service, its state and its detail", () => {
  assert.equal(
    describeFaults([
      {
        service: "web",
        state: "unhealthy",
        detail: "wget: server returned error: HTTP/1.1 404 Not Found",
      },
      { service: "db", state: "exited", detail: "exit code 1" },
      { service: "cache", state: "created", detail: "" },
    ]),
    "web: unhealthy (wget: server returned error: HTTP/1.1 404 Not Found); db: exited (exit code 1); cache: created",
  );
});

// A fake docker: `ps` answers from a script of states over fake time.
const TARGET: ComposeTarget = {
  command: ["docker", "compose"],
  project: "web",
  dir: "/b/running_stacks/web",
  files: ["/b/running_stacks/web/compose.yaml"],
};

/** One line of `docker ps --format CONTAINER_FORMAT`, the status text carrying health and exit code. */
function psLine(service: string, state: string, health: string, exitCode = 0): string {
  const shown = health === "starting" ? "health: starting" : health;
  const status = state === "running"
    ? `Up 2 seconds${shown ? ` (${shown})` : ""}`
    : `${state === "restarting" ? "Restarting" : "Exited"} (${exitCode}) 1 second ago`;
  return ["web", state, service, status, `id-${service}`, `web-${service}-1`, "False"].join("\t");
}

function setup(psAt: (ms: number) => Partial<RunResult>, inspect = "[]") {
  let clock = 1_000_000;
  const runner = fakeRunner((cmd) => {
    if (cmd.includes("config")) return { stdout: "web\nworker\n" };
    if (cmd.includes("ps")) return psAt(clock - 1_000_000);
    if (cmd[1] === "inspect") return { stdout: inspect };
    throw new Error(`unexpected ${cmd.join(" ")}`);
  });
  const ticks: [Verdict["status"], number][] = [];
  const sleeps: number[] = [];
  const deps = {
    compose: new Compose(runner, ["docker", "compose"]),
    now: () => clock,
    sleep: (ms: number) => {
      sleeps.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    onTick: (v: Verdict, elapsed: number) => ticks.push([v.status, elapsed]),
  };
  return { runner, deps, ticks, sleeps };
}

Deno.test("waitHealthy() polls every 250 ms until the healthcheck passes", async () => {
  const { runner, deps, ticks, sleeps } = setup((ms) => ({
    stdout: [
      psLine("web", "running", ms < 1000 ? "starting" : "healthy"),
      psLine("worker", "running", ""),
    ]
      .join("\n"),
  }));
  const v = await waitHealthy(deps, TARGET, 60_000);
  assert.deepEqual(v, { status: "healthy" });
  assert.deepEqual(ticks.map(([, ms]) => ms), [0, 250, 500, 750, 1000]);
  assert.deepEqual(sleeps, [250, 250, 250, 250]);
  // services are asked once; a starting healthcheck is inspected once, for when it
  // runs (this fake tells nothing, so the pace stays 250 ms), not for its output
  assert.equal(runner.calls.filter((call) => call.cmd.includes("config")).length, 1);
  assert.equal(runner.calls.filter((call) => call.cmd[1] === "inspect").length, 1);
});

Deno.test("waitHealthy() looks right after a starting healthcheck's probe is due", async () => {
  // Started 170 ms before the wait (the fake clock's 1_000_000 ms), probing every 1 s:
  // its first probe is due at 830 ms and reports healthy at 1_030 ms.
  const at = (ms: number) => new Date(1_000_000 + ms).toISOString();
  const inspect = JSON.stringify([{
    Id: "id-web-full",
    State: { StartedAt: at(-170), Health: { Status: "starting", Log: [] } },
    Config: { Healthcheck: { Interval: 1_000_000_000 } },
  }]);
  const { deps, ticks } = setup((ms) => ({
    stdout: [
      psLine("web", "running", ms < 1_030 ? "starting" : "healthy"),
      psLine("worker", "running", ""),
    ].join("\n"),
  }), inspect);
  const v = await waitHealthy(deps, TARGET, 60_000);
  assert.deepEqual(v, { status: "healthy" });
  // 250 ms apart until the probe is due, 100 ms after it, then every 100 ms while it reports.
  assert.deepEqual(ticks.map(([, ms]) => ms), [0, 250, 500, 750, 930, 1_030]);
});

Deno.test("waitHealthy() quotes the last probe of a service still starting at the timeout", async () => {
  const inspect = JSON.stringify([{
    Id: "id-web-full",
    State: { Health: { Log: [{ ExitCode: 1, Output: "connection refused\n" }] } },
  }]);
  const { runner, deps } = setup(() => ({
    stdout: [psLine("web", "running", "starting"), psLine("worker", "running", "")].join("\n"),
  }), inspect);
  const v = await waitHealthy(deps, TARGET, 1_000);
  assert.deepEqual(v, {
    status: "failed",
    faults: [{ service: "web", state: "starting", detail: "connection refused" }],
  });
  // Once for when it runs, then only the looks of the last interval asked for the probe.
  assert.equal(runner.calls.filter((call) => call.cmd[1] === "inspect").length, 3);
});

Deno.test("waitHealthy() waits for a service compose config has and ps does not", async () => {
  const { deps } = setup(() => ({ stdout: psLine("web", "running", "") }));
  const v = await waitHealthy(deps, TARGET, 500);
  assert.deepEqual(v, {
    status: "failed",
    faults: [{ service: "worker", state: "missing", detail: "no container" }],
  });
});

Deno.test("waitHealthy() stops at once when a service exits non-zero", async () => {
  const { deps, ticks } = setup((ms) => ({
    stdout: [
      psLine("web", "running", ms < 500 ? "starting" : ""),
      psLine("worker", ms < 500 ? "running" : "exited", "", 1),
    ]
      .join("\n"),
  }));
  const v = await waitHealthy(deps, TARGET, 60_000);
  assert.deepEqual(v, {
    status: "failed",
    faults: [{ service: "worker", state: "exited", detail: "exit code 1" }],
  });
  assert.deepEqual(ticks.at(-1), ["failed", 500]);
});

Deno.test("waitHealthy() fails at the timeout quoting the unhealthy service's last probe", async () => {
  const inspect = JSON.stringify([{
    Id: "id-web-full",
    State: {
      Health: {
        Log: [{ ExitCode: 1, Output: "wget: server returned error: HTTP/1.1 404 Not Found\n" }],
      },
    },
  }]);
  const { deps, ticks } = setup(() => ({
    stdout: [psLine("web", "running", "unhealthy"), psLine("worker", "running", "")].join("\n"),
  }), inspect);
  const v = await waitHealthy(deps, TARGET, 1_100);
  assert.deepEqual(v, {
    status: "failed",
    faults: [{
      service: "web",
      state: "unhealthy",
      detail: "wget: server returned error: HTTP/1.1 404 Not Found",
    }],
  });
  // the last look happens exactly at the timeout, not one interval later
  assert.deepEqual(ticks.map(([, ms]) => ms), [0, 250, 500, 750, 1000, 1100]);
});

Deno.test("waitHealthy() reports a service still missing at the timeout", async () => {
  const { deps } = setup(() => ({ stdout: psLine("web", "running", "") }));
  const v = await waitHealthy(deps, TARGET, 500);
  assert.deepEqual(v, {
    status: "failed",
    faults: [{ service: "worker", state: "missing", detail: "no container" }],
  });
});

Deno.test("waitHealthy() rides over a failing ps and throws only when the last one failed", async () => {
  const healthyLater = setup((ms) =>
    ms < 500 ? { code: 1, stderr: "Error response from daemon: i/o timeout" } : {
      stdout: [psLine("web", "running", ""), psLine("worker", "running", "")].join("\n"),
    }
  );
  assert.deepEqual(await waitHealthy(healthyLater.deps, TARGET, 5_000), { status: "healthy" });

  const never = setup(() => ({ code: 1, stderr: "Error response from daemon: i/o timeout" }));
  await assert.rejects(() => waitHealthy(never.deps, TARGET, 1_000), (e: unknown) => {
    assert.ok(e instanceof ComposeError);
    assert.match(e.message, /compose ps failed for project "web".*i\/o timeout/);
    return true;
  });
});

Deno.test("waitHealthy() stops at once when the daemon does not answer: a host fault, not the version's", async () => {
  const { deps, sleeps } = setup(() => ({
    code: 1,
    stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.",
  }));
  await assert.rejects(() => waitHealthy(deps, TARGET, 60_000), DockerDownError);
  assert.deepEqual(sleeps, []);
});

Deno.test("checkHealth() takes one look without a file, judging the containers it finds", async () => {
  const runner = fakeRunner((cmd) => ({
    stdout: cmd.includes("ps") ? psLine("web", "running", "") : "",
  }));
  const v = await checkHealth(new Compose(runner, ["docker", "compose"]), {
    command: ["docker", "compose"],
    project: "web",
  });
  assert.deepEqual(v, { status: "healthy" });
  assert.equal(runner.calls.length, 1);
});

Deno.test("checkHealth() still looks when the running files are broken", async () => {
  const runner = fakeRunner((cmd) =>
    cmd.includes("config")
      ? { code: 1, stderr: "no configuration file provided: not found" }
      : { stdout: psLine("web", "exited", "", 1) }
  );
  const v = await checkHealth(new Compose(runner, ["docker", "compose"]), TARGET);
  assert.equal(v.status, "failed");
});
