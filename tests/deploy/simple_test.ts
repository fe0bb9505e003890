/**
 * Unit tests of one stack's deploy steps with a fake docker and git (real
 * files in a temp base_dir): which calls a redeploy makes, and in what order.
 * @module
 */
import { fakeEngine, fakeRunner } from "../_fakes.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { type DeployItem, deploySimple, stopsBeforeDown } from "../../lib/deploy/mod.ts";
import { SETTINGS_DEFAULTS } from "../../lib/config/mod.ts";
import { statePaths, writeVersion } from "../../lib/state/mod.ts";
import { testContext, testDeps } from "../_deps.ts";

Deno.test("stopsBeforeDown() stops the old version first only when a pre_deploy runs in between", () => {
  assert.equal(stopsBeforeDown({}), false);
  assert.equal(stopsBeforeDown({ pre_deploy: "./migrate.sh" }), true);
});

const RUNNING = "web\trunning\tapp\tUp 5 minutes (healthy)\tabc\tweb-app-1\tFalse";

/** Redeploys `web` (tree t1 → t2) against a docker whose old version runs healthy. */
async function redeploy(settings: Partial<typeof SETTINGS_DEFAULTS> & { pre_deploy?: string }) {
  const base = await Deno.makeTempDir({ prefix: "autostack-deploy-" });
  try {
    const paths = statePaths(base);
    await Deno.mkdir(join(paths.repo, "web"), { recursive: true });
    await Deno.writeTextFile(join(paths.repo, "web", "compose.yaml"), "services: {}\n");
    await Deno.mkdir(paths.running("web"), { recursive: true });
    await writeVersion(paths.running("web"), { commit: "c1", tree: "t1", pending: false });
    const runner = fakeRunner((cmd) => {
      if (cmd[0] === "git") return { stdout: "compose.yaml\0" };
      if (cmd.includes("config")) return { stdout: "app\n" };
      if (cmd[1] === "ps") return { stdout: RUNNING };
      return {};
    });
    const ctx = testContext(
      base,
      { commit: "c2", tree: "root" },
      testDeps({ runner, cwd: base }),
    );
    const item: DeployItem = {
      name: "web",
      status: "changed",
      action: "deploy",
      why: "files changed",
      stack: { name: "web", path: "web", composeFile: "compose.yaml", tree: "t2" },
      settings: { ...SETTINGS_DEFAULTS, ...settings },
      deployed: { commit: "c1", tree: "t1", pending: false },
    };
    const outcome = await deploySimple(ctx, item, "simple");
    // The verb of each docker call: `ps`, `stop`, `down`, `config`, `up`…
    const verbs = runner.calls.filter((c) => c.cmd[0] === "docker").map((c) =>
      c.cmd[1] === "compose" ? c.cmd.find((a) => VERBS.includes(a)) : c.cmd[1]
    );
    return { outcome, verbs };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

const VERBS = ["ps", "stop", "start", "down", "config", "up"];

Deno.test("deploySimple() takes the old version down without a separate stop when no pre_deploy runs", async () => {
  const { outcome, verbs } = await redeploy({});
  assert.equal(outcome.result, "deployed", outcome.message);
  // One docker ps for the old version, down, up, then config --services (not beside `up`,
  // where it would slow the other stacks' `up`) and one look.
  assert.deepEqual(verbs, ["ps", "down", "up", "config", "ps"]);
});

Deno.test("deploySimple() stops the old version before a pre_deploy, then takes it down", async () => {
  const { outcome, verbs } = await redeploy({ pre_deploy: "true" });
  assert.equal(outcome.result, "deployed", outcome.message);
  assert.deepEqual(verbs.slice(0, 3), ["ps", "stop", "down"]);
});

/**
 * Deploys `web` with Compose over a running copy that was `mode: swarm`, on a
 * manager that runs its swarm stack; returns the outcome and the docker verbs.
 */
async function fromSwarm(preDeploy: string) {
  const base = await Deno.makeTempDir({ prefix: "autostack-deploy-" });
  try {
    const paths = statePaths(base);
    await Deno.mkdir(join(paths.repo, "web"), { recursive: true });
    await Deno.writeTextFile(join(paths.repo, "web", "compose.yaml"), "services: {}\n");
    await Deno.mkdir(paths.running("web"), { recursive: true });
    await Deno.writeTextFile(join(paths.running("web"), "compose.yaml"), "services: {}\n");
    await Deno.writeTextFile(join(paths.running("web"), "deploy.yaml"), "mode: swarm\n");
    await writeVersion(paths.running("web"), { commit: "c1", tree: "t1", pending: false });
    let looks = 0;
    const runner = fakeRunner((cmd) => {
      if (cmd[0] === "git") return { stdout: "compose.yaml\0" };
      if (cmd.includes("config")) return { stdout: "app\n" };
      // No Compose container before `up` (the swarm runs the stack); the new project's after `up`.
      if (cmd[1] === "ps") return { stdout: looks++ === 0 ? "" : RUNNING };
      return {};
    });
    // The swarm runs the stack's one service; none of its containers or networks is left once removed.
    const engine = fakeEngine((request) =>
      request.path === "/services"
        ? { body: [{ ID: "a", Spec: { Name: "web_app", Mode: { Replicated: {} } } }] }
        : undefined
    );
    const deps = testDeps({ runner, engine, cwd: base });
    const ctx = testContext(base, { commit: "c2", tree: "root" }, deps);
    const item: DeployItem = {
      name: "web",
      status: "changed",
      action: "deploy",
      why: "files changed",
      stack: { name: "web", path: "web", composeFile: "compose.yaml", tree: "t2" },
      settings: { ...SETTINGS_DEFAULTS, pre_deploy: preDeploy },
      deployed: { commit: "c1", tree: "t1", pending: false },
    };
    const outcome = await deploySimple(ctx, item, "simple");
    const verbs = runner.calls.filter((c) => c.cmd[0] === "docker").map((c) =>
      c.cmd[1] === "compose" ? c.cmd.find((a) => VERBS.includes(a)) : c.cmd.slice(1, 3).join(" ")
    );
    return { outcome, verbs };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

Deno.test("deploySimple() over a swarm version removes the swarm stack after pre_deploy, before up", async () => {
  const { outcome, verbs } = await fromSwarm("true");
  assert.equal(outcome.result, "deployed", outcome.message);
  assert.match(outcome.message, /\(its swarm stack was removed first\)$/);
  const rm = verbs.indexOf("stack rm");
  assert.ok(rm > 0 && rm < verbs.indexOf("up"), verbs.join(", "));
});

Deno.test("deploySimple() over a swarm version leaves the swarm stack running when pre_deploy fails", async () => {
  const { outcome, verbs } = await fromSwarm("false");
  assert.equal(outcome.result, "script_error", outcome.message);
  assert.equal(verbs.includes("stack rm"), false, verbs.join(", "));
});
