import assert from "node:assert/strict";
import { SETTINGS_DEFAULTS } from "../../../lib/config/mod.ts";
import type { PlanItem } from "../../../lib/deploy/mod.ts";
import { swarmItems, swarmLeaseMs, takeSwarmLock } from "../../../lib/deploy/swarm/mod.ts";
import { ComposeError, DockerDownError } from "../../../lib/errors.ts";
import { testContext, testDeps } from "../../_deps.ts";
import { fakeEngine } from "../../_fakes.ts";
import { withTempDir } from "../../_temp.ts";

const swarm = { ...SETTINGS_DEFAULTS, mode: "swarm" as const, health_timeout: 60_000 };

Deno.test("swarmLeaseMs() covers a deploy and a rollback of every swarm stack, scripts included", () => {
  assert.equal(swarmLeaseMs([]), 300_000);
  assert.equal(swarmLeaseMs([swarm, swarm]), 300_000 + 2 * 120_000);
  const scripted = { ...swarm, pre_deploy: "./pre.sh", script_timeout: 30_000 };
  assert.equal(swarmLeaseMs([scripted]), 300_000 + 120_000 + 60_000);
});

Deno.test("swarmItems() takes the swarm stacks the run acts on, not refused, unchanged or Compose ones", () => {
  const stack = { name: "s", path: "s", composeFile: "compose.yaml", tree: "t" };
  const base = { status: "new", why: "", stack } as const;
  const plan: PlanItem[] = [
    { ...base, name: "a", action: "deploy", settings: swarm },
    { ...base, name: "b", action: "none", settings: swarm },
    { ...base, name: "c", action: "refuse", settings: swarm, problems: [] },
    { ...base, name: "d", action: "deploy", settings: SETTINGS_DEFAULTS },
  ];
  assert.deepEqual(swarmItems(plan), [swarm]);
});

Deno.test("takeSwarmLock() takes none on an engine it cannot ask, so the Compose stacks go on; Docker down stops the run", async () => {
  const stack = { name: "s", path: "s", composeFile: "compose.yaml", tree: "t" };
  const plan: PlanItem[] = [
    { status: "new", why: "", stack, name: "s", action: "deploy", settings: swarm },
  ];
  await withTempDir(async (base) => {
    const refused = fakeEngine(() => {
      throw new ComposeError("swarm stacks need the engine's unix socket: DOCKER_HOST=tcp://h");
    });
    const head = { commit: "c", tree: "t" };
    assert.equal(
      await takeSwarmLock(testContext(base, head, testDeps({ engine: refused })), plan),
      undefined,
    );
    assert.equal(refused.calls.length, 1, "asked whether it manages a swarm, nothing else");
    const down = fakeEngine(() => {
      throw new DockerDownError("cannot reach the engine at /var/run/docker.sock");
    });
    await assert.rejects(
      takeSwarmLock(testContext(base, head, testDeps({ engine: down })), plan),
      DockerDownError,
    );
  });
});
