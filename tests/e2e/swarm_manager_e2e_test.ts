/**
 * `mode: swarm` on an engine autostack cannot deploy swarm stacks on: one
 * that is not a swarm manager (docs/swarm.md#turning-it-on), and one the
 * docker CLI reaches through a non-default context, which autostack's engine
 * API client refuses (docs/swarm.md#how-autostack-talks-to-the-swarm). Each
 * swarm stack fails with one line, nothing of it is created, and the Compose
 * stacks of the same run go on. The non-manager is a second `dockerd` of the
 * test's own (tests/e2e/_engine.ts): the shared one is a manager.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import YAML from "yaml";
import { parsePs } from "../../lib/docker/mod.ts";
import { webCompose } from "./_harness.ts";
import { withEngine } from "./_engine.ts";
import { allHealthy, outcomeLines, type Scene, stackFiles, withScene } from "./_scene.ts";
import { swarmCompose } from "./_swarm.ts";
import { daxRunner } from "../../lib/process.ts";
import { withTempDir } from "../_temp.ts";

const NEEDS_MANAGER = "mode: swarm needs a swarm manager (docker swarm init, or run on a manager)";

/** Commits a swarm stack and a Compose stack; returns their names. */
async function swarmAndCompose(scene: Scene): Promise<{ sw: string; app: string }> {
  const sw = scene.name("sw");
  const app = scene.name("app");
  await scene.commit({
    [`${sw}/compose.yaml`]: swarmCompose("v1"),
    [`${sw}/deploy.yaml`]: YAML.stringify({ mode: "swarm", health_timeout: "30s" }),
    ...stackFiles(app, webCompose(), { health_timeout: "30s" }),
  });
  return { sw, app };
}

/**
 * Asserts that swarm stack `sw` left nothing: no service on the shared swarm,
 * no deployed version, no bad mark (the engine's fault is not the version's).
 */
async function nothingOf(scene: Scene, sw: string): Promise<void> {
  const shared = await daxRunner.run([
    "docker",
    "service",
    "ls",
    "-q",
    "--filter",
    `label=com.docker.stack.namespace=${sw}`,
  ]);
  assert.equal(shared.stdout.trim(), "", "no service on the shared swarm");
  const running = join(scene.ws.base, "running_stacks", sw);
  assert.equal(await exists(join(running, "version.txt")), false, "not marked deployed");
  assert.deepEqual(Object.keys(await scene.bad()), [], "the engine's fault marks nothing bad");
}

Deno.test("on an engine that is no swarm manager, a swarm stack fails with one line and a Compose stack deploys", async () => {
  await withEngine(async (engine) => {
    const info = await engine.docker("info", "--format", "{{.Swarm.LocalNodeState}}");
    assert.equal(info.stdout.trim(), "inactive", "the second engine is in no swarm");
    await withScene({}, async (scene) => {
      const { sw, app } = await swarmAndCompose(scene);
      const r = await scene.run([], engine.env);
      const out = r.stdout + r.stderr;
      assert.equal(r.code, 1, out);
      const lines = outcomeLines(r);
      const failed = lines.find((l) => l.stack === sw);
      assert.equal(failed?.result, "failed", out);
      assert.equal(failed?.message, NEEDS_MANAGER);
      assert.ok(
        r.stderr.includes(`stack "${sw}": failed: ${NEEDS_MANAGER}`),
        `the one line: ${r.stderr}`,
      );
      assert.equal(lines.find((l) => l.stack === app)?.result, "deployed", out);

      // Nothing of the swarm stack was created, on either engine.
      const psJson = await engine.docker("ps", "-a", "--format", "json");
      const containers = psJson.stdout.split("\n").filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l).Names as string);
      assert.ok(containers.every((n) => n.startsWith(`${app}-`)), containers.join(", "));
      await nothingOf(scene, sw);
      const entry = (await scene.history()).find((e) => e.stack === sw);
      assert.equal(entry?.result, "failed");

      // The Compose stack runs healthy on the engine autostack was pointed at.
      const ps = await engine.docker("compose", "-p", app, "ps", "-a", "--format", "json");
      const compose = parsePs(ps.stdout);
      assert.ok(allHealthy(compose), JSON.stringify(compose));
      const version = await scene.version(app);
      assert.equal(version.length, 2, `final, not pending: ${version.join(" / ")}`);
    });
  });
});

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("through a docker context other than the default, a swarm stack fails with one line and a Compose stack deploys", async () => {
  await withTempDir(async (dockerConfig) => {
    // The context reaches the shared engine (a manager): only autostack's API client refuses it.
    const made = await daxRunner.run([
      "docker",
      "--config",
      dockerConfig,
      "context",
      "create",
      "e2ealt",
      "--docker",
      "host=unix:///var/run/docker.sock",
    ]);
    assert.equal(made.code, 0, made.stderr);
    await withScene({}, async (scene) => {
      const { sw, app } = await swarmAndCompose(scene);
      const r = await scene.run([], { DOCKER_CONFIG: dockerConfig, DOCKER_CONTEXT: "e2ealt" });
      const out = r.stdout + r.stderr;
      assert.equal(r.code, 1, out);
      const lines = outcomeLines(r);
      assert.deepEqual(
        [lines.find((l) => l.stack === sw)?.result, lines.find((l) => l.stack === sw)?.message],
        [
          "failed",
          `swarm stacks need the engine's unix socket: the docker context "e2ealt" is not the ` +
          "default one (run autostack on a manager)",
        ],
        out,
      );
      assert.equal(lines.find((l) => l.stack === app)?.result, "deployed", out);
      await nothingOf(scene, sw);
    });
  });
});
