import assert from "node:assert/strict";
import { join } from "node:path";
import { SETTINGS_DEFAULTS } from "../../../lib/config/mod.ts";
import type { DeployItem } from "../../../lib/deploy/mod.ts";
import { leaveSwarm } from "../../../lib/deploy/swarm/mod.ts";
import type { RunOptions, RunResult } from "../../../lib/process.ts";
import { testContext, testDeps } from "../../_deps.ts";
import { fakeRunner } from "../../_fakes.ts";
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

/** A swarm manager running stack `web` with one service, whose containers are gone once removed. */
function manager(stacks: string) {
  return (cmd: readonly string[], _: RunOptions): Partial<RunResult> | undefined => {
    const verb = cmd.slice(1, 3).join(" ");
    if (verb === "stack ls") return { stdout: stacks };
    if (verb === "service ls") {
      return { stdout: JSON.stringify({ Name: "web_app", Mode: "replicated", Replicas: "1/1" }) };
    }
    if (verb === "service inspect") {
      return {
        stdout: JSON.stringify([{
          Spec: { Name: "web_app", Mode: { Replicated: { Replicas: 1 } } },
        }]),
      };
    }
    return undefined;
  };
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
    const runner = fakeRunner(manager('{"Name":"web","Services":"1"}'));
    const ctx = testContext(base, HEAD, testDeps({ runner }));
    assert.equal(await leaveSwarm(ctx, item(DEPLOYED)), false);
    assert.deepEqual(runner.calls, []);
  });
});

Deno.test("leaveSwarm() removes the swarm stack a swarm running copy left, and waits for its containers", async () => {
  await withTempDir(async (base) => {
    await runningCopy(base, "swarm");
    const runner = fakeRunner(manager(""));
    const ctx = testContext(base, HEAD, testDeps({ runner }));
    assert.equal(await leaveSwarm(ctx, item(DEPLOYED)), true);
    const verbs = runner.calls.map((c) => c.cmd.slice(1, 3).join(" "));
    assert.ok(verbs.includes("stack rm"), verbs.join(", "));
    assert.deepEqual(verbs.slice(-2), ["ps -aq", "network ls"], "then waits until they are gone");
  });
});

Deno.test("leaveSwarm() without a running copy removes a swarm stack only when docker stack ls lists the name", async () => {
  await withTempDir(async (base) => {
    const none = fakeRunner(manager('{"Name":"other","Services":"1"}'));
    assert.equal(
      await leaveSwarm(testContext(base, HEAD, testDeps({ runner: none })), item()),
      false,
    );
    assert.deepEqual(none.calls.map((c) => c.cmd.slice(1, 3)), [["stack", "ls"]]);

    const listed = fakeRunner(manager('{"Name":"web","Services":"1"}'));
    assert.equal(
      await leaveSwarm(testContext(base, HEAD, testDeps({ runner: listed })), item()),
      true,
    );
    assert.ok(listed.calls.some((c) => c.cmd.slice(1, 3).join(" ") === "stack rm"));
  });
});

Deno.test("leaveSwarm() on an engine that is no swarm manager leaves the Compose deploy alone", async () => {
  await withTempDir(async (base) => {
    const runner = fakeRunner((cmd) =>
      cmd[2] === "ls"
        ? { code: 1, stderr: "Error response from daemon: This node is not a swarm manager." }
        : undefined
    );
    assert.equal(await leaveSwarm(testContext(base, HEAD, testDeps({ runner })), item()), false);
    assert.equal(runner.calls.length, 1);
  });
});
