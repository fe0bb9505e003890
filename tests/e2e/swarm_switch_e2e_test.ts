/**
 * A stack switched between `mode: compose` and `mode: swarm`
 * (docs/swarm.md#back-to-compose): each way, the old mode's copy is gone
 * before the new one runs, and a broken Compose version after a swarm one
 * goes back to the swarm one.
 * @module
 */
import assert from "node:assert/strict";
import YAML from "yaml";
import { webCompose } from "./_harness.ts";
import { allHealthy, containersOf, outcomeLines } from "./_scene.ts";
import { servedBy, swarmCompose, withSwarmStack } from "./_swarm.ts";
import { daxRunner } from "../../lib/process.ts";

/** The stack folder: its compose file and `deploy.yaml` with `mode`. */
function stackIn(mode: "compose" | "swarm", name: string, compose: string) {
  return {
    [`${name}/compose.yaml`]: compose,
    [`${name}/deploy.yaml`]: YAML.stringify({
      mode,
      health_timeout: mode === "swarm" ? "60s" : "5s",
    }),
  };
}

function resultOf(r: { stdout: string; stderr: string }, name: string) {
  return outcomeLines(r).find((l) => l.stack === name);
}

/** The swarm services and the task containers of stack `name`. */
async function swarmLeft(name: string): Promise<string> {
  const label = `label=com.docker.stack.namespace=${name}`;
  const services = await daxRunner.run(["docker", "service", "ls", "-q", "--filter", label]);
  const containers = await daxRunner.run(["docker", "ps", "-aq", "--filter", label]);
  return (services.stdout + containers.stdout).trim();
}

Deno.test("a stack switched from mode: swarm to Compose leaves the swarm and runs healthy with Compose", async () => {
  await withSwarmStack(async (scene, name) => {
    await scene.commit(stackIn("swarm", name, swarmCompose("v1")));
    const first = await scene.run();
    assert.equal(resultOf(first, name)?.result, "deployed", first.stdout + first.stderr);
    assert.deepEqual(await servedBy(name), ["v1", "v1"]);

    // With a network: the swarm's overlay `NAME_default` must be gone before Compose makes its own.
    await scene.commit(stackIn("compose", name, webCompose({ network: true })));
    const moved = await scene.run();
    const line = resultOf(moved, name);
    assert.equal(line?.result, "deployed", moved.stdout + moved.stderr);
    assert.match(line?.message ?? "", /its swarm stack was removed first/);
    assert.equal(await swarmLeft(name), "", "no swarm service or task container is left");
    const project = await containersOf(name);
    assert.ok(allHealthy(project), JSON.stringify(project));
    assert.equal((await scene.history()).at(-1)?.mode, undefined, "history: a Compose deploy");

    const again = await scene.run();
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(resultOf(again, name), undefined, `then a silent no-op: ${again.stdout}`);
  });
});

Deno.test("a broken Compose version after a swarm one goes back to the swarm one, and stays there", async () => {
  await withSwarmStack(async (scene, name) => {
    await scene.commit(stackIn("swarm", name, swarmCompose("v1")));
    assert.equal(resultOf(await scene.run(), name)?.result, "deployed");

    await scene.commit(stackIn("compose", name, webCompose({ healthy: false })));
    const broken = await scene.run();
    const line = resultOf(broken, name);
    assert.equal(line?.result, "rolled_back", broken.stdout + broken.stderr);
    assert.match(line?.message ?? "", /back on [0-9a-f]{7} \(on the swarm\)/);
    assert.deepEqual(await servedBy(name), ["v1", "v1"], "the swarm version serves again");
    assert.deepEqual(await containersOf(name), [], "no Compose copy is left beside it");
    assert.ok((await scene.bad())[name], "the broken version is marked bad");

    // The bad version is skipped; the swarm stack is what runs, not "missing containers".
    const next = await scene.run();
    assert.notEqual(next.code, 75, next.stderr);
    assert.equal(resultOf(next, name)?.result ?? "skipped_bad", "skipped_bad", next.stdout);
    assert.doesNotMatch(next.stdout + next.stderr, /started again/);
    assert.deepEqual(await containersOf(name), [], "no Compose copy was started");
    assert.deepEqual(await servedBy(name), ["v1", "v1"]);
  });
});

Deno.test("rollback NAME after a switch to Compose takes the Compose project down and deploys the swarm version", async () => {
  await withSwarmStack(async (scene, name) => {
    await scene.commit(stackIn("swarm", name, swarmCompose("v1")));
    assert.equal(resultOf(await scene.run(), name)?.result, "deployed");
    await scene.commit(stackIn("compose", name, webCompose()));
    assert.equal(resultOf(await scene.run(), name)?.result, "deployed");
    assert.ok(allHealthy(await containersOf(name)));

    const back = await scene.ws.run(["rollback", name]);
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.deepEqual(await containersOf(name), [], "the Compose project is gone");
    assert.deepEqual(await servedBy(name), ["v1", "v1"], "the swarm version serves again");
  });
});

Deno.test("a stack switched from Compose to mode: swarm takes its Compose project down first", async () => {
  await withSwarmStack(async (scene, name) => {
    await scene.commit(stackIn("compose", name, webCompose()));
    assert.equal(resultOf(await scene.run(), name)?.result, "deployed");
    assert.ok(allHealthy(await containersOf(name)));

    await scene.commit(stackIn("swarm", name, swarmCompose("v2")));
    const moved = await scene.run();
    assert.equal(resultOf(moved, name)?.result, "deployed", moved.stdout + moved.stderr);
    assert.deepEqual(await containersOf(name), [], "the Compose project is gone");
    assert.deepEqual(await servedBy(name), ["v2", "v2"]);
    assert.equal((await scene.history()).at(-1)?.mode, "swarm");
  });
});
