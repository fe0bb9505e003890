import assert from "node:assert/strict";
import type { BadMark, VersionInfo } from "../../lib/state/mod.ts";
import type { ProjectSummary } from "../../lib/docker/mod.ts";
import type { Stack } from "../../lib/repo/mod.ts";
import { type PlanInput, planRun } from "../../lib/deploy/mod.ts";
import {
  type DeploySettings,
  SETTINGS_DEFAULTS,
  type SettingsResult,
} from "../../lib/config/mod.ts";

const stack = (name: string, tree = `tree-${name}`): Stack => ({
  name,
  path: `stacks/${name}`,
  composeFile: "compose.yaml",
  tree,
});
const ok = (settings: Partial<DeploySettings> = {}): SettingsResult => ({
  settings: { ...SETTINGS_DEFAULTS, ...settings },
  source: "none",
  warnings: [],
  errors: [],
});
const version = (tree: string, pending = false): VersionInfo => ({ commit: "c0", tree, pending });
const running = (...names: string[]) =>
  new Map<string, ProjectSummary>(
    names.map((n) => [n, { project: n, containers: 1, running: 1, list: [], workingDir: "" }]),
  );

function input(overrides: Partial<PlanInput>): PlanInput {
  const stacks = overrides.stacks ?? [stack("web")];
  return {
    stacks,
    settings: new Map(stacks.map((s) => [s.name, ok()])),
    deployed: new Map(),
    bad: {},
    // Containers run for what is deployed here, and for nothing else.
    projects: running(...(overrides.deployed?.keys() ?? [])),
    hostname: "host1",
    force: false,
    prune: false,
    only: [],
    ...overrides,
  };
}

const statuses = (i: PlanInput) => planRun(i).map((p) => [p.name, p.status, p.action]);

Deno.test("planRun() marks every enabled stack new when nothing is deployed", () => {
  assert.deepEqual(statuses(input({ stacks: [stack("b"), stack("a")] })), [
    ["a", "new", "deploy"],
    ["b", "new", "deploy"],
  ]);
});

Deno.test("planRun() leaves a stack whose tree did not change alone", () => {
  const plan = planRun(input({ deployed: new Map([["web", version("tree-web")]]) }));
  assert.deepEqual(plan.map((p) => [p.status, p.action, p.why]), [["unchanged", "none", ""]]);
});

Deno.test("planRun() marks a stack changed when its tree changed", () => {
  const plan = planRun(input({ deployed: new Map([["web", version("old")]]) }));
  assert.deepEqual(plan.map((p) => [p.status, p.action, p.why]), [[
    "changed",
    "deploy",
    "files changed",
  ]]);
});

Deno.test("planRun() redeploys a stack whose last deploy did not finish", () => {
  const plan = planRun(input({ deployed: new Map([["web", version("tree-web", true)]]) }));
  assert.equal(plan[0]?.action, "deploy");
  assert.match(plan[0]!.why, /did not finish/);
});

Deno.test("planRun() redeploys a stack whose version.txt is missing", () => {
  const plan = planRun(input({ deployed: new Map([["web", undefined]]) }));
  assert.deepEqual([plan[0]?.status, plan[0]?.action], ["changed", "deploy"]);
});

Deno.test("planRun() redeploys an unchanged stack whose containers are missing", () => {
  const plan = planRun(
    input({ deployed: new Map([["web", version("tree-web")]]), projects: running() }),
  );
  assert.deepEqual([plan[0]?.action, plan[0]?.why], ["deploy", "containers missing"]);
  const unknown = planRun(
    input({ deployed: new Map([["web", version("tree-web")]]), projects: undefined }),
  );
  assert.equal(unknown[0]?.action, "none");
});

const mark: BadMark = {
  tree: "tree-web",
  commit: "c1",
  marked_at: "2026-11-28T00:00:00Z",
  reason: "web: unhealthy",
};

Deno.test("planRun() skips a version marked bad", () => {
  const plan = planRun(
    input({ bad: { web: mark }, deployed: new Map([["web", version("good")]]) }),
  );
  assert.deepEqual([plan[0]?.status, plan[0]?.action], ["bad", "skip_bad"]);
  assert.match(plan[0]!.why, /web: unhealthy/);
});

Deno.test("planRun() deploys a bad version with --force", () => {
  const plan = planRun(input({ bad: { web: mark }, force: true }));
  assert.deepEqual([plan[0]?.status, plan[0]?.action], ["bad", "deploy"]);
});

Deno.test("planRun() tries a new version of a stack whose older version is bad", () => {
  const plan = planRun(input({ bad: { web: { ...mark, tree: "older" } } }));
  assert.equal(plan[0]?.action, "deploy");
});

Deno.test("planRun() reports a stack with invalid settings as an error and plans the others", () => {
  const stacks = [stack("web"), stack("db")];
  const settings = new Map<string, SettingsResult>([
    ["web", {
      source: "deploy_file",
      warnings: [],
      errors: [{
        file: "stacks/web/deploy.yaml",
        key: "method",
        line: 1,
        message: 'must be one of blind, simple, canary: "fancy"',
      }],
    }],
    ["db", ok()],
  ]);
  const plan = planRun(input({ stacks, settings }));
  assert.deepEqual(plan.map((p) => [p.name, p.status]), [["db", "new"], ["web", "error"]]);
  const refused = plan[1];
  assert.equal(refused?.action, "refuse");
  assert.match(refused.problems?.[0] ?? "", /deploy\.yaml:1: method: .*"fancy"/);
});

Deno.test("planRun() removes a stack that left the repo only with prune", () => {
  const deployed = new Map([["old", version("x")]]);
  assert.deepEqual(statuses(input({ stacks: [], deployed })), [["old", "removed", "none"]]);
  assert.deepEqual(statuses(input({ stacks: [], deployed, prune: true })), [[
    "old",
    "removed",
    "remove",
  ]]);
});

Deno.test("planRun() treats deploy: false and other hosts as disabled, or removed when deployed", () => {
  const stacks = [stack("a"), stack("b"), stack("c")];
  const settings = new Map([
    ["a", ok({ deploy: false })],
    ["b", ok({ hosts: ["host2"] })],
    ["c", ok({ hosts: ["host1"] })],
  ]);
  assert.deepEqual(statuses(input({ stacks, settings })), [
    ["a", "disabled", "none"],
    ["b", "disabled", "none"],
    ["c", "new", "deploy"],
  ]);
  const deployed = new Map([["a", version("tree-a")]]);
  assert.deepEqual(
    planRun(input({ stacks, settings, deployed, prune: true }))[0]?.action,
    "remove",
  );
});

Deno.test("planRun() limits the plan to --stack names", () => {
  const stacks = [stack("a"), stack("b")];
  assert.deepEqual(statuses(input({ stacks, only: ["b"] })), [["b", "new", "deploy"]]);
});

Deno.test("planRun() plans a mode: swarm stack like any other: new, then unchanged while its services run", () => {
  const settings = new Map([["web", ok({ mode: "swarm" })]]);
  assert.deepEqual(planRun(input({ settings }))[0]?.status, "new");
  const deployed = new Map([["web", version("tree-web")]]);
  const stacks = new Map([["web", { containers: 1, running: 1 }]]);
  const item = planRun(input({ settings, deployed, projects: stacks }))[0];
  assert.deepEqual([item?.status, item?.action], ["unchanged", "none"]);
});

Deno.test("planRun() starts the deployed version again when the repo's is bad and containers are gone", () => {
  const deployed = new Map([["web", version("good")]]);
  const gone = planRun(input({ bad: { web: mark }, deployed, projects: running() }));
  assert.equal(gone[0]?.action, "skip_bad");
  assert.equal(gone[0].restart, true);
  const there = planRun(input({ bad: { web: mark }, deployed }));
  assert.equal(there[0]?.action, "skip_bad");
  assert.equal(there[0].restart, false);
});

Deno.test("planRun() adopts a compose project of the stack's name that this base_dir does not manage", () => {
  const projects = new Map([["web", { containers: 2, running: 2, workingDir: "/home/ops/web" }]]);
  const [item] = planRun(input({ projects }));
  assert.deepEqual([item?.status, item?.action], ["adopt", "deploy"]);
  assert.match(item?.why ?? "", /runs here from \/home\/ops\/web: it is taken down and replaced/);
  // Without containers of that name, it is simply new.
  assert.equal(planRun(input({ projects: new Map() }))[0]?.status, "new");
});
