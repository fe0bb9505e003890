import { fakeRunner } from "../../_fakes.ts";
import assert from "node:assert/strict";
import { containerListArgs } from "../../../lib/docker/mod.ts";
import { removeCopy } from "../../../lib/deploy/canary/_state.ts";
import { testContext, testDeps } from "../../_deps.ts";

// `docker ps` in autostack's CONTAINER_FORMAT: project, state, service, status, id, name, one-off.
const PS = "web-canary\trunning\tapp\tUp 1 minute (healthy)\tabc123\tweb-canary-app-1\tFalse\n";

/** `docker inspect` of the copy's container: on `proxy` (shared) and its own network. */
function inspect(aliases: string[]): string {
  return JSON.stringify([{
    Id: "abc123def4567890",
    Name: "/web-canary-app-1",
    NetworkSettings: {
      Networks: {
        proxy: { Aliases: [...aliases, "abc123def456"] },
        "web-canary_default": { Aliases: ["app"] },
      },
    },
  }]);
}

const NETWORKS = JSON.stringify([
  { Name: "proxy", Labels: {} },
  { Name: "web-canary_default", Labels: { "com.docker.compose.project": "web-canary" } },
]);

/** The one look at the copy's containers, by project label. */
const LIST = containerListArgs("docker", "web-canary").join(" ");

/** Removes `web-canary` through fakes; returns each docker call and sleep, in order. */
async function remove(aliases: string[], options: Parameters<typeof removeCopy>[2]) {
  const steps: string[] = [];
  const runner = fakeRunner((cmd) => {
    steps.push(cmd.join(" "));
    if (cmd[1] === "ps") return { stdout: PS };
    if (cmd[1] === "inspect") return { stdout: inspect(aliases) };
    if (cmd[1] === "network" && cmd[2] === "inspect") return { stdout: NETWORKS };
    return {};
  });
  const sleep = (ms: number) => {
    steps.push(`sleep ${ms}`);
    return Promise.resolve();
  };
  const ctx = testContext("/b", { commit: "c", tree: "t" }, testDeps({ runner, sleep }));
  const removed = await removeCopy(ctx, "web-canary", {
    ...options,
    onDrain: () => steps.push("drain begins"),
  });
  return { removed, steps: steps.filter((s) => !s.includes(" inspect ")) };
}

Deno.test("removeCopy() drains a copy that answers to the aliases at its address, then takes it down", async () => {
  const { removed, steps } = await remove(["app", "web"], { drainMs: 5000 });
  assert.equal(removed, true);
  assert.deepEqual(steps, [
    LIST,
    // Off the aliases, still on the network: reconnected, it keeps its address.
    "docker network disconnect proxy abc123def4567890",
    "docker network connect proxy abc123def4567890",
    "drain begins",
    "sleep 5000",
    "docker network disconnect --force proxy abc123def4567890",
    "docker compose -p web-canary down --remove-orphans",
  ]);
});

Deno.test("removeCopy() takes a hidden copy or one without drain off the network at once", async () => {
  const direct = [
    LIST,
    "docker network disconnect --force proxy abc123def4567890",
    "docker compose -p web-canary down --remove-orphans",
  ];
  // Never joined the aliases (it failed before it was healthy): nobody to drain.
  assert.deepEqual((await remove([], { drainMs: 5000 })).steps, direct);
  assert.deepEqual((await remove(["app"], { drainMs: 0 })).steps, direct);
  assert.deepEqual((await remove(["app"], {})).steps, direct);
  const kept = await remove(["app"], { keep: true, drainMs: 1000 });
  assert.deepEqual(kept.steps.slice(-2), [
    "docker network disconnect --force proxy abc123def4567890",
    "docker compose -p web-canary stop",
  ]);
});
