import assert from "node:assert/strict";
import { SETTINGS_DEFAULTS } from "../../../lib/config/mod.ts";
import type { PlanItem } from "../../../lib/deploy/mod.ts";
import { swarmItems, swarmLeaseMs } from "../../../lib/deploy/swarm/mod.ts";

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
