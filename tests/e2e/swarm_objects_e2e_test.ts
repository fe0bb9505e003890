/**
 * End-to-end test of content-named Swarm configs and secrets on the real
 * one-node swarm: a stack deployed with `docker stack deploy` and the
 * override {@link pinObjectNames} writes, its config file changed and
 * deployed again (a plain redeploy under the old name is refused by Docker),
 * the service seeing the new content, and the old config removed once no task
 * uses it. The stack is removed at the end, and its tasks waited out.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { objectsFileOf, pinObjectNames, removeUnusedObjects } from "../../lib/deploy/swarm/mod.ts";
import { stackDeployArgs } from "../../lib/docker/mod.ts";
import { daxRunner } from "../../lib/process.ts";
import { SKIP_DOCKER, TEST_IMAGE } from "./_docker.ts";
import { realSwarm, removeStack, requireSwarm } from "./_swarm.ts";

const docker = (...args: string[]) => daxRunner.run(["docker", ...args], { timeoutMs: 60_000 });

/** Polls `check` every 250 ms until it returns a value, or fails after `seconds` saying `what`. */
async function until<T>(what: string, seconds: number, check: () => Promise<T | undefined>) {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${seconds}s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What every running task of `service` reads at `path`, once they all agree; else `undefined`. */
async function seenByTasks(service: string, path: string): Promise<string | undefined> {
  const ps = await docker(
    "ps",
    "-q",
    "--filter",
    `label=com.docker.swarm.service.name=${service}`,
    "--filter",
    "status=running",
  );
  const ids = ps.stdout.split("\n").filter((l) => l.trim() !== "");
  if (ids.length === 0) return undefined;
  const seen = new Set<string>();
  for (const id of ids) {
    const cat = await docker("exec", id, "cat", path);
    if (cat.code !== 0) return undefined; // a task stopping in between
    seen.add(cat.stdout.trim());
  }
  return seen.size === 1 ? [...seen][0] : undefined;
}

/** Waits until every running task of `service` reads `want` at `path`. */
async function waitSeen(service: string, path: string, want: string): Promise<void> {
  await until(
    `every task of ${service} to read ${want} at ${path}`,
    60,
    async () => await seenByTasks(service, path) === want ? true : undefined,
  );
}

async function objectNames(section: "configs" | "secrets", stack: string): Promise<string[]> {
  return (await realSwarm().objects(section === "configs" ? "config" : "secret", stack))
    .sort();
}

const COMPOSE = `services:
  app:
    image: ${TEST_IMAGE}
    init: true
    command: ["sleep", "3600"]
    configs:
      - source: conf
        target: /conf.txt
    secrets:
      - token
    deploy:
      update_config:
        order: start-first
configs:
  conf:
    file: ./conf/app.conf
secrets:
  token:
    file: ./token.txt
`;

Deno.test({
  name: "a changed config file rolls out under a new name and the old config is removed",
  ignore: SKIP_DOCKER,
  async fn() {
    await requireSwarm();
    const stack = `e2eobj${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
    const base = await Deno.makeTempDir({ prefix: `${stack}-` });
    const dir = join(base, stack);
    const compose = join(dir, "compose.yaml");
    const out = objectsFileOf(dir);
    // As autostack deploys; --prune leaves configs and secrets alone.
    const deploy = (files: readonly string[]) => docker(...stackDeployArgs(stack, files).slice(1));
    try {
      await Deno.mkdir(join(dir, "conf"), { recursive: true });
      await Deno.writeTextFile(compose, COMPOSE);
      await Deno.writeTextFile(join(dir, "conf", "app.conf"), "v1");
      await Deno.writeTextFile(join(dir, "token.txt"), "s3cret");

      const first = await pinObjectNames(stack, [compose], out);
      assert.deepEqual(first.files, [compose, out]);
      const deployed = await deploy(first.files);
      assert.equal(deployed.code, 0, deployed.stderr);
      await waitSeen(`${stack}_app`, "/conf.txt", "v1");
      assert.equal(await seenByTasks(`${stack}_app`, "/run/secrets/token"), "s3cret");
      assert.deepEqual(await objectNames("configs", stack), [first.names[0]]);

      await Deno.writeTextFile(join(dir, "conf", "app.conf"), "v2");
      // What autostack avoids: the same name with new content is refused.
      const plain = await deploy(first.files);
      assert.notEqual(plain.code, 0);
      assert.match(plain.stderr, /only updates to Labels are allowed/);

      const second = await pinObjectNames(stack, [compose], out);
      assert.notEqual(second.names[0], first.names[0]);
      assert.equal(second.names[1], first.names[1], "the unchanged secret keeps its name");
      const redeployed = await deploy(second.files);
      assert.equal(redeployed.code, 0, redeployed.stderr);
      await waitSeen(`${stack}_app`, "/conf.txt", "v2");
      assert.deepEqual(
        await objectNames("configs", stack),
        [first.names[0]!, second.names[0]!].sort(),
      );

      // With nothing kept, what the service uses is refused by Docker and reported as in use;
      // v1's config goes once the old task has stopped.
      const removed: string[] = [];
      await until("v1's config to be removed", 60, async () => {
        const done = await removeUnusedObjects(realSwarm(), stack, []);
        removed.push(...done.removed);
        assert.deepEqual(done.inUse.filter((o) => !o.endsWith(first.names[0]!)), [
          `configs/${second.names[0]}`,
          `secrets/${second.names[1]}`,
        ]);
        return done.removed.length > 0 ? true : undefined;
      });
      assert.deepEqual(removed, [`configs/${first.names[0]}`]);
      assert.deepEqual(await objectNames("configs", stack), [second.names[0]]);
      assert.deepEqual(await objectNames("secrets", stack), [second.names[1]]);
      // Kept by name, nothing is removed; the service still runs v2.
      assert.deepEqual(await removeUnusedObjects(realSwarm(), stack, second.names), {
        removed: [],
        inUse: [],
      });
      assert.equal(await seenByTasks(`${stack}_app`, "/conf.txt"), "v2");
    } finally {
      await removeStack(stack);
      await Deno.remove(base, { recursive: true });
    }
  },
});
