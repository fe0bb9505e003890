/**
 * End-to-end tests of the swarm lock on the real one-node swarm: of runs
 * racing for it exactly one wins, a live lease refuses the others, an expired
 * one is taken over, and a holder whose lease was taken over cannot remove its
 * successor's lock. Each test uses a lock name of its own and removes it.
 * @module
 */
import assert from "node:assert/strict";
import { acquireSwarmLock, type SwarmLockOptions } from "../../lib/state/mod.ts";
import { LockedError } from "../../lib/errors.ts";
import { daxRunner } from "../../lib/process.ts";
import { memoryLogger } from "../_fakes.ts";
import { SKIP_DOCKER } from "./_docker.ts";
import { realSwarm, requireSwarm } from "./_swarm.ts";

const docker = (...args: string[]) => daxRunner.run(["docker", ...args], { timeoutMs: 60_000 });

/** Runs `fn` with a unique lock name, and removes that config afterwards whatever happened. */
async function withLockName(fn: (name: string) => Promise<void>): Promise<void> {
  await requireSwarm();
  const name = `e2elock${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  try {
    await fn(name);
  } finally {
    await docker("config", "rm", name);
  }
}

function options(
  name: string,
  hostname: string,
  leaseMs = 60_000,
  logger = memoryLogger(),
): SwarmLockOptions {
  return {
    configs: realSwarm(),
    hostname,
    pid: Deno.pid,
    now: () => new Date(),
    leaseMs,
    logger,
    name,
  };
}

/** The host written in the lock config `name`, read back from the swarm. */
async function holder(name: string): Promise<string | undefined> {
  const r = await docker("config", "inspect", "--format", "{{json .Spec.Data}}", name);
  if (r.code !== 0) return undefined;
  return JSON.parse(atob(JSON.parse(r.stdout))).host;
}

Deno.test({
  name: "of five runs racing for the swarm lock exactly one holds it; the others are told who",
  ignore: SKIP_DOCKER,
  async fn() {
    await withLockName(async (name) => {
      const hosts = ["m1", "m2", "m3", "m4", "m5"];
      const results = await Promise.allSettled(
        hosts.map((h) => acquireSwarmLock(options(name, h))),
      );
      const won = results.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
      assert.equal(won.length, 1);
      const winner = won[0]!.lease.host;
      assert.equal(await holder(name), winner);
      for (const r of results) {
        if (r.status === "fulfilled") continue;
        assert.ok(r.reason instanceof LockedError, String(r.reason));
        assert.match(r.reason.message, new RegExp(`holds the swarm lock: host ${winner}, pid `));
      }
      await won[0]!.release();
      assert.equal(await holder(name), undefined);
      const next = await acquireSwarmLock(options(name, "m2"));
      assert.equal(await holder(name), "m2");
      await next.release();
    });
  },
});

Deno.test({
  name: "an expired swarm lease is taken over, and its old holder's release leaves the new lock",
  ignore: SKIP_DOCKER,
  async fn() {
    await withLockName(async (name) => {
      const old = await acquireSwarmLock(options(name, "dead", 1));
      await new Promise((resolve) => setTimeout(resolve, 5));
      const logger = memoryLogger();
      const lock = await acquireSwarmLock(options(name, "alive", 60_000, logger));
      assert.equal(await holder(name), "alive");
      assert.match(logger.lines.join("\n"), /taking over the swarm lock of host dead/);
      await old.release();
      assert.equal(await holder(name), "alive");
      await assert.rejects(acquireSwarmLock(options(name, "third")), LockedError);
      await lock.release();
      assert.equal(await holder(name), undefined);
    });
  },
});
