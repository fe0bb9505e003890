import assert from "node:assert/strict";
import { join } from "node:path";
import { SETTINGS_DEFAULTS } from "../../../lib/config/mod.ts";
import type { DeployItem } from "../../../lib/deploy/mod.ts";
import { leaveSwarm } from "../../../lib/deploy/swarm/mod.ts";
import type { EngineReply, EngineRequest } from "../../../lib/docker/mod.ts";
import { testContext, testDeps } from "../../_deps.ts";
import { fakeEngine, fakeRunner } from "../../_fakes.ts";
import { withTempDir, writeFiles } from "../../_temp.ts";

const HEAD = { commit: "c0ffee02", tree: "aaaa0000" };
const DEPLOYED = { commit: "c0ffee01", tree: "1e1e1e1e", pending: false };

/** A Compose deploy of `web`; `deployed` is the running copy's version, when there is one. */
function item(deployed?: typeof DEPLOYED): DeployItem {
  return {
    name: "web",
    status: deployed ? "changed" : "new",
    action: "deploy",
    why: deployed ? "files changed" : "not deployed yet",
    stack: { name: "web", path: "stacks/web", composeFile: "compose.yaml", tree: "3e3e3e3e" },
    settings: { ...SETTINGS_DEFAULTS, mode: "compose" },
    ...(deployed ? { deployed } : {}),
  };
}

/**
 * A swarm manager whose stacks are `stacks` (stack label → service), running
 * stack `web` with one service, whose containers and networks are gone once removed.
 */
function manager(stacks: Record<string, string>) {
  return (request: EngineRequest): Partial<EngineReply> | undefined => {
    if (request.path !== "/services") return undefined; // no containers, no networks left
    if (request.query?.status === undefined) {
      return {
        body: Object.entries(stacks).map(([stack, service]) => ({
          ID: service,
          Spec: {
            Name: service,
            Labels: { "com.docker.stack.namespace": stack },
            Mode: { Replicated: {} },
          },
        })),
      };
    }
    return {
      body: [{ ID: "a", Spec: { Name: "web_app", Mode: { Replicated: { Replicas: 1 } } } }],
    };
  };
}

/** The engine requests and docker commands made, in one list of words. */
function said(engine: { calls: EngineRequest[] }, runner: { calls: { cmd: string[] }[] }) {
  return [
    ...engine.calls.map((c) => `${c.method} ${c.path}`),
    ...runner.calls.map((c) => c.cmd.slice(1, 3).join(" ")),
  ];
}

async function runningCopy(base: string, mode: "compose" | "swarm"): Promise<void> {
  await writeFiles(join(base, "running_stacks", "web"), {
    "compose.yaml": "services:\n  app:\n    image: x\n",
    "deploy.yaml": `mode: ${mode}\n`,
  });
}

Deno.test("leaveSwarm() asks no swarm anything when the running copy was a Compose one", async () => {
  await withTempDir(async (base) => {
    await runningCopy(base, "compose");
    const engine = fakeEngine(manager({ web: "web_app" }));
    const runner = fakeRunner(() => undefined);
    const ctx = testContext(base, HEAD, testDeps({ runner, engine }));
    assert.equal(await leaveSwarm(ctx, item(DEPLOYED)), false);
    assert.deepEqual(said(engine, runner), []);
  });
});

Deno.test("leaveSwarm() removes the swarm stack a swarm running copy left, and waits for its containers", async () => {
  await withTempDir(async (base) => {
    await runningCopy(base, "swarm");
    const engine = fakeEngine(manager({}));
    const runner = fakeRunner(() => undefined);
    const ctx = testContext(base, HEAD, testDeps({ runner, engine }));
    assert.equal(await leaveSwarm(ctx, item(DEPLOYED)), true);
    assert.deepEqual(runner.calls.map((c) => c.cmd.slice(1, 3).join(" ")), ["stack rm"]);
    assert.deepEqual(
      engine.calls.slice(-2).map((c) => c.path),
      ["/containers/json", "/networks"],
      "then waits until they are gone",
    );
  });
});

Deno.test("leaveSwarm() without a running copy removes a swarm stack only when the swarm has a stack of the name", async () => {
  await withTempDir(async (base) => {
    const none = fakeEngine(manager({ other: "other_app" }));
    const quiet = fakeRunner(() => undefined);
    assert.equal(
      await leaveSwarm(testContext(base, HEAD, testDeps({ runner: quiet, engine: none })), item()),
      false,
    );
    assert.deepEqual(said(none, quiet), ["GET /services"]);

    const listed = fakeEngine(manager({ web: "web_app" }));
    const runner = fakeRunner(() => undefined);
    assert.equal(
      await leaveSwarm(testContext(base, HEAD, testDeps({ runner, engine: listed })), item()),
      true,
    );
    assert.ok(said(listed, runner).includes("stack rm"));
  });
});

Deno.test("leaveSwarm() on an engine that is no swarm manager leaves the Compose deploy alone", async () => {
  await withTempDir(async (base) => {
    const engine = fakeEngine(() => ({
      status: 503,
      body: { message: "This node is not a swarm manager." },
    }));
    const runner = fakeRunner(() => undefined);
    assert.equal(
      await leaveSwarm(testContext(base, HEAD, testDeps({ runner, engine })), item()),
      false,
    );
    assert.deepEqual(said(engine, runner), ["GET /services"]);
  });
});
