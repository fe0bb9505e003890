import assert from "node:assert/strict";
import { join } from "node:path";
import { SETTINGS_DEFAULTS } from "../../../lib/config/mod.ts";
import type { DeployItem } from "../../../lib/deploy/mod.ts";
import type { Outcome } from "../../../lib/outcome.ts";
import { deploySwarm, NEEDS_MANAGER } from "../../../lib/deploy/swarm/mod.ts";
import { startFirstOverride } from "../../../lib/deploy/swarm/_start_first.ts";
import { testContext, testDeps } from "../../_deps.ts";
import { fakeEngine, fakeRunner } from "../../_fakes.ts";
import { withTempDir, writeFiles } from "../../_temp.ts";

const HEAD = { commit: "c0ffee02", tree: "aaaa0000" };

function item(): DeployItem {
  return {
    name: "web",
    status: "new",
    action: "deploy",
    why: "not deployed yet",
    stack: { name: "web", path: "stacks/web", composeFile: "compose.yaml", tree: "3e3e3e3e" },
    settings: { ...SETTINGS_DEFAULTS, mode: "swarm" },
  };
}

const NOT_MANAGER = {
  worker:
    "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state.",
  "no swarm":
    'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
};

for (const [what, message] of Object.entries(NOT_MANAGER)) {
  Deno.test(`deploySwarm() fails with one line and touches nothing on an engine that is no manager (${what})`, async () => {
    await withTempDir(async (base) => {
      const runner = fakeRunner(() => undefined);
      const engine = fakeEngine(() => ({ status: 503, body: { message } }));
      const ctx = testContext(base, HEAD, testDeps({ runner, engine }));
      const outcome = await deploySwarm(ctx, item());
      assert.deepEqual([outcome.result, outcome.message, outcome.mode], [
        "failed",
        NEEDS_MANAGER,
        "swarm",
      ]);
      assert.deepEqual(runner.calls, []);
      assert.deepEqual(engine.calls.map((c) => [c.method, c.path]), [["GET", "/services"]]);
    });
  });
}

Deno.test("startFirstOverride() makes services update start-first, unless they set an order", () => {
  const model = {
    services: {
      web: { image: "x" },
      db: { deploy: { update_config: { order: "stop-first" } } },
      api: { deploy: { replicas: 2 } },
    },
  };
  assert.equal(
    startFirstOverride(model),
    "services:\n  web:\n    deploy:\n      update_config:\n        order: start-first\n" +
      "  api:\n    deploy:\n      update_config:\n        order: start-first\n",
  );
  assert.equal(startFirstOverride({ services: { db: model.services.db } }), undefined);
});

/**
 * Deploys `web` to the swarm over a Compose project of the same name that
 * still runs; returns the outcome and the docker verbs, in order.
 */
async function overCompose(preDeploy: string) {
  let result: { outcome: Outcome; verbs: string[] } | undefined;
  await withTempDir(async (base) => {
    await writeFiles(join(base, "repo", "stacks", "web"), { "compose.yaml": "services: {}\n" });
    const runner = fakeRunner((cmd) => cmd[0] === "git" ? { stdout: "compose.yaml\0" } : undefined);
    // A manager with no stack yet, and a container of the Compose project `web` on this node.
    const engine = fakeEngine((request) =>
      request.path === "/containers/json" ? { body: [{ Id: "abc" }] } : undefined
    );
    const ctx = testContext(base, HEAD, testDeps({ runner, engine, cwd: base }));
    const outcome = await deploySwarm(ctx, {
      ...item(),
      settings: { ...SETTINGS_DEFAULTS, mode: "swarm", method: "blind", pre_deploy: preDeploy },
    });
    const verbs = runner.calls.filter((c) => c.cmd[0] === "docker").map((c) =>
      c.cmd[1] === "compose"
        ? c.cmd.find((a) => a === "down") ?? "compose"
        : c.cmd.slice(1, 3).join(" ")
    );
    result = { outcome, verbs };
  });
  return result!;
}

Deno.test("deploySwarm() takes a Compose project of the stack's name down just before docker stack deploy", async () => {
  const { outcome, verbs } = await overCompose("true");
  assert.equal(outcome.result, "deployed", outcome.message);
  assert.deepEqual(verbs, ["down", "stack deploy"]);
});

Deno.test("deploySwarm() leaves a Compose project of the stack's name running when pre_deploy fails", async () => {
  const { outcome, verbs } = await overCompose("false");
  assert.equal(outcome.result, "script_error", outcome.message);
  assert.equal(verbs.includes("down"), false, verbs.join(", "));
});
