/**
 * `mode: swarm` on a real one-node swarm (docs/swarm.md): first deploy, a
 * silent no-op, a good update on every replica (and `status` showing it), a
 * broken update rolled back on every replica and marked bad, Swarm's own
 * rollback reported as `rolled_back`, prune, and a kill -9 during the wait
 * converging next run.
 * @module
 */
import assert from "node:assert/strict";
import YAML from "yaml";
import { outcomeLines, withScene } from "./_scene.ts";
import {
  removeStack,
  servedBy,
  swarmCompose,
  updateState,
  waitServed,
  withSwarm,
  withSwarmStack,
} from "./_swarm.ts";

/** The stack folder of a swarm stack: its compose file and `mode: swarm` settings. */
function swarmStack(name: string, compose: string, settings: Record<string, unknown> = {}) {
  return {
    [`${name}/compose.yaml`]: compose,
    [`${name}/deploy.yaml`]: YAML.stringify({ mode: "swarm", health_timeout: "60s", ...settings }),
  };
}

function resultOf(r: { stdout: string; stderr: string }, name: string) {
  return outcomeLines(r).find((l) => l.stack === name);
}

Deno.test("a swarm stack deploys, stays put when unchanged, and updates every replica", async () => {
  await withSwarmStack(async (scene, name) => {
    await scene.commit(swarmStack(name, swarmCompose("v1")));
    const first = await scene.run();
    assert.equal(resultOf(first, name)?.result, "deployed", first.stdout + first.stderr);
    assert.deepEqual(await servedBy(name), ["v1", "v1"]);

    const again = await scene.run();
    assert.equal(again.code, 0);
    assert.equal(resultOf(again, name), undefined, `no-op must be silent: ${again.stdout}`);
    assert.equal(await updateState(name), "", "a no-op run must not update the service");

    await scene.commit(swarmStack(name, swarmCompose("v2")));
    const update = await scene.run();
    assert.equal(resultOf(update, name)?.result, "deployed", update.stdout + update.stderr);
    assert.deepEqual(await servedBy(name), ["v2", "v2"]);
    const last = (await scene.history()).at(-1);
    assert.equal(last?.result, "deployed");

    // status looks at the swarm (the engine API): both replicas of the new spec, healthy.
    const status = await scene.ws.run(["status", "--json"]);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    const shown = JSON.parse(status.stdout).stacks.find((s: { stack: string }) => s.stack === name);
    assert.deepEqual([shown?.services, shown?.health], ["2/2", "healthy"], status.stdout);
  });
});

Deno.test("a broken swarm update goes back to the good version on every replica, marked bad", async () => {
  await withSwarmStack(async (scene, name) => {
    await scene.commit(swarmStack(name, swarmCompose("v1")));
    assert.equal(resultOf(await scene.run(), name)?.result, "deployed");

    await scene.commit(swarmStack(name, swarmCompose("v2", { healthy: false })));
    const broken = await scene.run();
    const line = resultOf(broken, name);
    assert.equal(line?.result, "rolled_back", broken.stdout + broken.stderr);
    assert.match(line?.message ?? "", /web: update paused by Swarm/);
    assert.deepEqual(await servedBy(name), ["v1", "v1"]);
    assert.ok((await scene.bad())[name], "the broken version is marked bad");

    const next = await scene.run();
    assert.notEqual(resultOf(next, name)?.result, "deployed");
    assert.deepEqual(await servedBy(name), ["v1", "v1"], "a bad version is not tried again");
  });
});

Deno.test("Swarm's own failure_action: rollback is reported as rolled_back, never deployed", async () => {
  await withSwarmStack(async (scene, name) => {
    const update = { failure_action: "rollback" };
    await scene.commit(swarmStack(name, swarmCompose("v1", { update })));
    assert.equal(resultOf(await scene.run(), name)?.result, "deployed");

    await scene.commit(swarmStack(name, swarmCompose("v2", { update, healthy: false })));
    const broken = await scene.run();
    const line = resultOf(broken, name);
    assert.equal(line?.result, "rolled_back", broken.stdout + broken.stderr);
    assert.match(line?.message ?? "", /rolled back by Swarm|update paused by Swarm/);
    assert.deepEqual(await servedBy(name), ["v1", "v1"]);
  });
});

Deno.test("prune removes a swarm stack that left the repo, and waits until its tasks are gone", async () => {
  await withSwarm(() =>
    withScene({ prune: true }, async (scene) => {
      const name = scene.name("sw");
      try {
        await scene.commit(swarmStack(name, swarmCompose("v1", { replicas: 1 })));
        assert.equal(resultOf(await scene.run(), name)?.result, "deployed");
        await scene.commit({ [`${name}/compose.yaml`]: null, [`${name}/deploy.yaml`]: null });
        const pruned = await scene.run();
        assert.equal(resultOf(pruned, name)?.result, "removed", pruned.stdout + pruned.stderr);
        assert.deepEqual(await servedBy(name), []);
      } finally {
        await removeStack(name);
      }
    })
  );
});

Deno.test("a run killed while a swarm deploy waits converges on the next run", async () => {
  await withSwarmStack(async (scene, name) => {
    await scene.commit(swarmStack(name, swarmCompose("v1")));
    assert.equal(resultOf(await scene.run(), name)?.result, "deployed");
    await scene.commit(swarmStack(name, swarmCompose("v2")));
    const killed = await scene.run([], {
      AUTOSTACK_TEST_KILL_AT: `waiting_health:${name}`,
    });
    assert.notEqual(killed.code, 0);
    assert.match((await scene.version(name)).join("\n"), /pending/);
    const next = await scene.run();
    assert.equal(resultOf(next, name)?.result, "deployed", next.stdout + next.stderr);
    assert.deepEqual(await servedBy(name), ["v2", "v2"]);
  });
});

Deno.test("method: canary on a swarm is a start-first rolling update; a service's own order is kept", async () => {
  await withSwarmStack(async (scene, name) => {
    const canary = { method: "canary" };
    await scene.commit(swarmStack(name, swarmCompose("v1"), canary));
    assert.equal(resultOf(await scene.run(), name)?.result, "deployed");
    await scene.commit(swarmStack(name, swarmCompose("v2"), canary));
    const update = await scene.run();
    assert.equal(resultOf(update, name)?.result, "deployed", update.stdout + update.stderr);
    // Start-first: the old tasks stop once the new ones run, so they may still be going.
    assert.deepEqual(await waitServed(name, ["v2", "v2"]), ["v2", "v2"]);
    assert.equal(await updateOrder(name), "start-first");

    const own = swarmCompose("v3", { update: { order: "stop-first" } });
    await scene.commit(swarmStack(name, own, canary));
    assert.equal(resultOf(await scene.run(), name)?.result, "deployed");
    assert.equal(await updateOrder(name), "stop-first");
  });
});

async function updateOrder(stack: string): Promise<string> {
  const r = await new Deno.Command("docker", {
    args: ["service", "inspect", `${stack}_web`, "--format", "{{.Spec.UpdateConfig.Order}}"],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(r.stdout).trim();
}

Deno.test("a changed config file rolls out under a new name, and the old config is removed", async () => {
  await withSwarmStack(async (scene, name) => {
    const compose = `services:
  web:
    image: autostack-test/busybox:latest
    init: true
    command: ["sh", "-c", "mkdir -p /w && cp /conf /w/v && exec httpd -f -p 8080 -h /w"]
    configs:
      - source: page
        target: /conf
    healthcheck:
      test: ["CMD", "sh", "-c", "timeout 2 wget -qO- http://127.0.0.1:8080/v"]
      interval: 1s
      start_period: 1s
    deploy:
      replicas: 1
      update_config: { parallelism: 0, monitor: 1s }
configs:
  page:
    file: ./page.txt
`;
    await scene.commit({ ...swarmStack(name, compose), [`${name}/page.txt`]: "one\n" });
    assert.equal(resultOf(await scene.run(), name)?.result, "deployed");
    assert.deepEqual(await servedBy(name), ["one"]);
    const before = await configsOf(name);
    assert.equal(before.length, 1);

    await scene.commit({ [`${name}/page.txt`]: "two\n" });
    const changed = await scene.run();
    assert.equal(resultOf(changed, name)?.result, "deployed", changed.stdout + changed.stderr);
    assert.deepEqual(await servedBy(name), ["two"]);
    const after = await configsOf(name);
    assert.equal(after.length, 1, `old config removed: ${after}`);
    assert.notEqual(after[0], before[0]);
  });
});

async function configsOf(stack: string): Promise<string[]> {
  const r = await new Deno.Command("docker", {
    args: [
      "config",
      "ls",
      "--filter",
      `label=com.docker.stack.namespace=${stack}`,
      "--format",
      "{{.Name}}",
    ],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(r.stdout).split("\n").filter((l) => l !== "");
}
