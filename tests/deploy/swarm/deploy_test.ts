import assert from "node:assert/strict";
import { SETTINGS_DEFAULTS } from "../../../lib/config/mod.ts";
import type { DeployItem } from "../../../lib/deploy/mod.ts";
import { deploySwarm, NEEDS_MANAGER } from "../../../lib/deploy/swarm/mod.ts";
import { startFirstOverride } from "../../../lib/deploy/swarm/_start_first.ts";
import { testContext, testDeps } from "../../_deps.ts";
import { fakeRunner } from "../../_fakes.ts";
import { withTempDir } from "../../_temp.ts";

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

for (const [state, control] of [["inactive", false], ["active", false]] as const) {
  Deno.test(`deploySwarm() fails with one line and touches nothing on an engine that is no manager (${state}, worker: ${control})`, async () => {
    await withTempDir(async (base) => {
      const runner = fakeRunner((cmd) =>
        cmd[1] === "info"
          ? { stdout: JSON.stringify({ LocalNodeState: state, ControlAvailable: control }) }
          : undefined
      );
      const ctx = testContext(base, HEAD, testDeps({ runner }));
      const outcome = await deploySwarm(ctx, item());
      assert.deepEqual([outcome.result, outcome.message, outcome.mode], [
        "failed",
        NEEDS_MANAGER,
        "swarm",
      ]);
      assert.deepEqual(runner.calls.map((c) => c.cmd.slice(0, 2)), [["docker", "info"]]);
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
