import { fakeRunner } from "../../_fakes.ts";
import assert from "node:assert/strict";
import {
  parseContainerNetworks,
  parseNetworkProjects,
  type ProjectSummary,
  sharedOnly,
} from "../../../lib/docker/mod.ts";
import type { Stack } from "../../../lib/repo/mod.ts";
import { liveProject, peerProject, type PlanInput, planRun } from "../../../lib/deploy/mod.ts";
import { SETTINGS_DEFAULTS, type SettingsResult } from "../../../lib/config/mod.ts";
import { formatVersionFile, parseVersionFile, type VersionInfo } from "../../../lib/state/mod.ts";
import { parseComposeModel, whyNotTwice } from "../../../lib/deploy/canary/_model.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const TREE = "89abcdef0123456789abcdef0123456789abcdef";

Deno.test("peerProject() alternates between NAME and NAME-canary", () => {
  assert.equal(peerProject("web", "web"), "web-canary");
  assert.equal(peerProject("web", "web-canary"), "web");
  assert.equal(liveProject("web", undefined), "web");
  assert.equal(liveProject("web", { commit: "c", tree: "t", pending: false }), "web");
  assert.equal(
    liveProject("web", { commit: "c", tree: "t", pending: false, project: "web-canary" }),
    "web-canary",
  );
});

Deno.test("parseVersionFile() reads the live project line after the pending line", () => {
  const live = { commit: COMMIT, tree: TREE, pending: false, project: "web-canary" };
  assert.deepEqual(parseVersionFile(`${COMMIT}\ntree ${TREE}\nproject web-canary\n`), live);
  const text = `${COMMIT}\ntree ${TREE}\npending 2026-03-01T10:00:00.000Z\nproject web\n`;
  assert.deepEqual(parseVersionFile(text), {
    commit: COMMIT,
    tree: TREE,
    pending: true,
    startedAt: "2026-03-01T10:00:00.000Z",
    project: "web",
  });
  const versions: VersionInfo[] = [live, { ...live, pending: true, startedAt: "2026-03-01" }];
  for (const v of versions) assert.deepEqual(parseVersionFile(formatVersionFile(v)), v);
  for (
    const bad of [
      `${COMMIT}\ntree ${TREE}\nproject web\npending\n`,
      `${COMMIT}\ntree ${TREE}\nproject Web!\n`,
      `${COMMIT}\ntree ${TREE}\npending\nproject web\nmore\n`,
    ]
  ) {
    assert.equal(parseVersionFile(bad), undefined, bad);
  }
});

Deno.test("whyNotTwice() names host ports, container names, host networking and project volumes", () => {
  const model = parseComposeModel(JSON.stringify({
    name: "web",
    services: {
      app: {
        ports: [{ target: 80, published: "8080", host_ip: "127.0.0.1" }, { target: 81 }],
        volumes: [
          { type: "volume", source: "data", target: "/data" },
          { type: "volume", source: "shared", target: "/shared" },
          { type: "bind", source: "/srv", target: "/srv" },
        ],
      },
      db: { container_name: "db", networks: { back: { ipv4_address: "10.0.0.5" } } },
      host: { network_mode: "host" },
      ok: { ports: [{ target: 9000 }], networks: { default: null } },
    },
    volumes: { data: { name: "web_data" }, shared: { name: "shared", external: true } },
  }));
  assert.deepEqual(whyNotTwice(model, "web"), [
    'service "app" publishes host port 8080',
    'service "app" mounts volume "data", which belongs to the project',
    'service "db" sets container_name "db"',
    'service "db" has a fixed address on network "back"',
    'service "host" uses network_mode: host',
  ]);
  const fine = parseComposeModel(JSON.stringify({ services: { web: { image: "x" } } }));
  assert.deepEqual(whyNotTwice(fine, "web"), []);
  assert.throws(() => parseComposeModel("nope"), /did not print JSON/);
  assert.throws(() => parseComposeModel('{"services": 3}'), /cannot read docker compose config/);
});

Deno.test("parseContainerNetworks() keeps each endpoint's aliases, without the short id", () => {
  const id = "3f1beeea87f0aaaabbbbccccdddd";
  const stdout = JSON.stringify([{
    Id: id,
    Name: "/web-canary-web-1",
    NetworkSettings: {
      Networks: {
        proxy: { Aliases: ["web-canary-web-1", "web", "app", "3f1beeea87f0"] },
        "web-canary_default": { Aliases: null },
      },
    },
  }]);
  const endpoints = parseContainerNetworks(stdout);
  assert.deepEqual(endpoints, [
    {
      container: id,
      name: "web-canary-web-1",
      network: "proxy",
      aliases: ["web-canary-web-1", "web", "app"],
    },
    { container: id, name: "web-canary-web-1", network: "web-canary_default", aliases: [] },
  ]);
  const owners = parseNetworkProjects(JSON.stringify([
    { Name: "proxy", Labels: {} },
    { Name: "web-canary_default", Labels: { "com.docker.compose.project": "web-canary" } },
  ]));
  assert.deepEqual(sharedOnly(endpoints, owners, "web-canary").map((e) => e.network), ["proxy"]);
  assert.throws(() => parseContainerNetworks('[{"Id": 1}]'), /cannot read docker inspect/);
});

const stack: Stack = { name: "web", path: "web", composeFile: "compose.yaml", tree: "t1" };
const canary = (): SettingsResult => ({
  settings: { ...SETTINGS_DEFAULTS, method: "canary" },
  source: "deploy_file",
  warnings: [],
  errors: [],
});
const summary = (project: string, running = 1): ProjectSummary => ({
  project,
  containers: 1,
  running,
  list: [],
  workingDir: "",
});

function plan(overrides: Partial<PlanInput>) {
  return planRun({
    stacks: [stack],
    settings: new Map([["web", canary()]]),
    deployed: new Map([["web", { commit: "c", tree: "t1", pending: false }]]),
    bad: {},
    projects: new Map([["web", summary("web")]]),
    hostname: "h",
    force: false,
    prune: false,
    only: [],
    ...overrides,
  }).map((i) => [i.name, i.status, i.action, i.why, i.canaryBlocked]);
}

Deno.test("planRun() looks for the containers of the live project, NAME or NAME-canary", () => {
  const live = { commit: "c", tree: "t1", pending: false, project: "web-canary" };
  const deployed = new Map([["web", live]]);
  assert.deepEqual(plan({ deployed, projects: new Map([["web-canary", summary("web-canary")]]) }), [
    ["web", "unchanged", "none", "", undefined],
  ]);
  assert.deepEqual(plan({ deployed }), [
    ["web", "changed", "deploy", "containers missing", undefined],
  ]);
});

Deno.test("planRun() deploys a canary stack again when a killed run left a second copy", () => {
  const projects = new Map([["web", summary("web")], ["web-canary", summary("web-canary")]]);
  assert.deepEqual(plan({ projects }), [
    ["web", "changed", "deploy", "a second copy (web-canary) is running", undefined],
  ]);
  const stopped = new Map([["web", summary("web")], ["web-canary", summary("web-canary", 0)]]);
  assert.deepEqual(plan({ projects: stopped }), [["web", "unchanged", "none", "", undefined]]);
});

Deno.test("planRun() keeps a canary off a second project name that is another stack's", () => {
  const other: Stack = { ...stack, name: "web-canary", path: "web-canary" };
  const rows = plan({
    stacks: [stack, other],
    settings: new Map([["web", canary()], ["web-canary", canary()]]),
    projects: new Map([["web", summary("web")], ["web-canary", summary("web-canary")]]),
  });
  assert.deepEqual(rows[0], [
    "web",
    "unchanged",
    "none",
    "",
    'its second project name "web-canary" is another stack\'s name',
  ]);
});

Deno.test("Networks hides a new copy from its aliases, then joins it with them", async () => {
  const { Networks } = await import("../../../lib/docker/mod.ts");
  const runner = fakeRunner(() => ({}));
  const nets = new Networks(runner, "docker");
  const e = { container: "abc", name: "web-1", network: "proxy", aliases: ["web", "app"] };
  await nets.hide([e]);
  await nets.join([e]);
  await nets.leave([e]);
  assert.deepEqual(runner.calls.map((c) => c.cmd.join(" ")), [
    "docker network disconnect proxy abc",
    "docker network connect proxy abc",
    "docker network disconnect proxy abc",
    "docker network connect --alias web --alias app proxy abc",
    "docker network disconnect --force proxy abc",
  ]);
  const failing = new Networks(
    fakeRunner(() => ({ code: 1, stderr: "no such network" })),
    "docker",
  );
  await assert.rejects(
    () => failing.hide([e]),
    /docker network disconnect failed \(exit 1\): no such network/,
  );
  await failing.leave([e]); // a copy already gone is not an error
});
