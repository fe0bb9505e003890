/**
 * Unit tests of the swarm lock against a fake runner that keeps swarm configs
 * in memory the way the managers do (a name is created once; removal is by
 * ID): taking, refusing, releasing, taking over an expired lease without
 * deleting a newer one, and the pure helpers. The real swarm is in
 * tests/e2e/swarm_lock_e2e_test.ts.
 * @module
 */
import assert from "node:assert/strict";
import {
  acquireSwarmLock,
  leaseExpired,
  lockCreateArgs,
  lockInspectArgs,
  lockRemoveArgs,
  newLease,
  parseLockInspect,
  type SwarmLockOptions,
} from "../../lib/state/mod.ts";
import { AutostackError, DockerDownError, LockedError } from "../../lib/errors.ts";
import type { RunOptions } from "../../lib/process.ts";
import { fakeRunner, memoryLogger } from "../_fakes.ts";

/** Swarm configs in memory: `docker config create NAME -`, `inspect NAME`, `rm ID`. */
function fakeSwarm() {
  const configs = new Map<string, { id: string; data: string }>();
  let next = 0;
  const runner = fakeRunner((cmd: readonly string[], options: RunOptions) => {
    const [, , verb] = cmd;
    const arg = cmd[cmd.length - 1]!;
    if (verb === "create") {
      const name = cmd[cmd.length - 2]!;
      if (configs.has(name)) {
        return {
          code: 1,
          stderr:
            `Error response from daemon: rpc error: code = AlreadyExists desc = config ${name} already exists\n`,
        };
      }
      const id = `id${++next}`;
      configs.set(name, { id, data: options.stdin ?? "" });
      return { stdout: `${id}\n` };
    }
    if (verb === "inspect") {
      const found = configs.get(arg);
      if (!found) return { code: 1, stdout: "[]\n", stderr: `config ${arg} not found\n` };
      const data = btoa(found.data);
      return { stdout: JSON.stringify([{ ID: found.id, Spec: { Name: arg, Data: data } }]) };
    }
    if (verb === "rm") {
      for (const [name, c] of configs) {
        if (c.id === arg) {
          configs.delete(name);
          return { stdout: `${arg}\n` };
        }
      }
      return { code: 1, stderr: `Error response from daemon: config ${arg} not found\n` };
    }
    throw new Error(`unexpected ${cmd.join(" ")}`);
  });
  return { configs, runner };
}

const T0 = new Date("2026-12-01T18:00:00Z");

function options(
  runner: SwarmLockOptions["runner"],
  over: Partial<SwarmLockOptions> = {},
): SwarmLockOptions & { logger: ReturnType<typeof memoryLogger> } {
  return {
    runner,
    hostname: "m1",
    pid: 42,
    now: () => T0,
    leaseMs: 15 * 60_000,
    name: "autostack-lock",
    ...over,
    logger: memoryLogger(),
  };
}

Deno.test("acquireSwarmLock() creates the lock config with the lease as its content", async () => {
  const swarm = fakeSwarm();
  const lock = await acquireSwarmLock(options(swarm.runner));
  assert.deepEqual(lock.lease, {
    host: "m1",
    pid: 42,
    taken: "2026-12-01T18:00:00.000Z",
    expires: "2026-12-01T18:15:00.000Z",
  });
  assert.deepEqual(JSON.parse(swarm.configs.get("autostack-lock")!.data), lock.lease);
  assert.deepEqual(swarm.runner.calls[0]!.cmd, lockCreateArgs("autostack-lock"));
});

Deno.test("acquireSwarmLock() refuses while another run's lease is live, naming it", async () => {
  const swarm = fakeSwarm();
  await acquireSwarmLock(options(swarm.runner, { hostname: "m2", pid: 7 }));
  await assert.rejects(
    acquireSwarmLock(options(swarm.runner, { now: () => new Date(T0.getTime() + 60_000) })),
    (error: unknown) =>
      error instanceof LockedError && error.exitCode === 75 &&
      error.message ===
        "another autostack run holds the swarm lock: host m2, pid 7, until 2026-12-01T18:15:00.000Z",
  );
});

Deno.test("release() frees the lock for the next run, and twice is harmless", async () => {
  const swarm = fakeSwarm();
  const first = await acquireSwarmLock(options(swarm.runner));
  await first.release();
  await first.release();
  assert.equal(swarm.configs.size, 0);
  const second = await acquireSwarmLock(options(swarm.runner, { hostname: "m2" }));
  assert.equal(second.lease.host, "m2");
});

Deno.test("an expired lease is taken over with a warning, and its holder cannot remove the new one", async () => {
  const swarm = fakeSwarm();
  const old = await acquireSwarmLock(options(swarm.runner, { hostname: "m2", pid: 7 }));
  const later = new Date(T0.getTime() + 16 * 60_000);
  const opts = options(swarm.runner, { now: () => later });
  const lock = await acquireSwarmLock(opts);
  assert.equal(lock.lease.taken, later.toISOString());
  assert.deepEqual(opts.logger.lines.map((l) => l.replace(/^.*?(taking)/, "$1")), [
    "taking over the swarm lock of host m2, pid 7: its lease ran out at 2026-12-01T18:15:00.000Z",
  ]);
  // The old holder wakes up and releases: by ID, so the new lock stays.
  await old.release();
  assert.equal(JSON.parse(swarm.configs.get("autostack-lock")!.data).host, "m1");
  assert.ok(swarm.runner.calls.some((c) => c.cmd.join(" ") === lockRemoveArgs("id1").join(" ")));
});

Deno.test("a live lease whose holder is known to be gone (killed on this host) is taken over", async () => {
  const swarm = fakeSwarm();
  await acquireSwarmLock(options(swarm.runner, { hostname: "m1", pid: 7 }));
  const opts = options(swarm.runner, { pid: 8, holderGone: (lease) => lease.pid === 7 });
  const lock = await acquireSwarmLock(opts);
  assert.equal(lock.lease.pid, 8);
  assert.deepEqual(opts.logger.lines.map((l) => l.replace(/^.*?(taking)/, "$1")), [
    "taking over the swarm lock of host m1, pid 7: that run is gone",
  ]);
  await assert.rejects(
    () => acquireSwarmLock(options(swarm.runner, { pid: 9, holderGone: () => false })),
    LockedError,
  );
});

Deno.test("two runs that find the same expired lease: the second one meets the first one's lock", async () => {
  const swarm = fakeSwarm();
  await acquireSwarmLock(options(swarm.runner, { hostname: "dead" }));
  const later = () => new Date(T0.getTime() + 20 * 60_000);
  // Run B inspects the expired lease, then run A takes it over before B removes it.
  let raced = false;
  const racing = {
    run(cmd: readonly string[], opts?: RunOptions) {
      if (!raced && cmd[2] === "rm") {
        raced = true;
        return acquireSwarmLock(options(swarm.runner, { hostname: "a", now: later }))
          .then(() => swarm.runner.run(cmd, opts));
      }
      return swarm.runner.run(cmd, opts);
    },
  };
  await assert.rejects(
    acquireSwarmLock(options(racing, { hostname: "b", now: later })),
    /holds the swarm lock: host a,/,
  );
  assert.equal(JSON.parse(swarm.configs.get("autostack-lock")!.data).host, "a");
});

Deno.test("covers() says whether the lease outlasts a step of the given length", async () => {
  const swarm = fakeSwarm();
  let now = T0;
  const lock = await acquireSwarmLock(options(swarm.runner, { now: () => now }));
  assert.equal(lock.covers(10 * 60_000), true);
  now = new Date(T0.getTime() + 10 * 60_000);
  assert.equal(lock.covers(4 * 60_000), true);
  assert.equal(lock.covers(5 * 60_000), false);
});

Deno.test("a lock config without a lease is left alone, with how to remove it", async () => {
  const swarm = fakeSwarm();
  swarm.configs.set("autostack-lock", { id: "x", data: "hello" });
  await assert.rejects(
    acquireSwarmLock(options(swarm.runner)),
    /holds no autostack lease: remove it with docker config rm autostack-lock/,
  );
  assert.equal(swarm.configs.get("autostack-lock")!.id, "x");
});

Deno.test("acquireSwarmLock() fails clearly when Docker does not answer or is no manager", async () => {
  const down = fakeRunner(() => ({
    code: 1,
    stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n",
  }));
  await assert.rejects(acquireSwarmLock(options(down)), DockerDownError);
  const worker = fakeRunner(() => ({
    code: 1,
    stderr: "Error response from daemon: This node is not a swarm manager.\n",
  }));
  await assert.rejects(
    acquireSwarmLock(options(worker)),
    (e: unknown) =>
      e instanceof AutostackError && !(e instanceof LockedError) &&
      /docker config create failed \(exit 1\): .*not a swarm manager/.test(e.message),
  );
});

Deno.test("newLease(), leaseExpired() and the argument builders", () => {
  const lease = newLease("m1", 1, T0, 1000);
  assert.equal(lease.expires, "2026-12-01T18:00:01.000Z");
  assert.equal(leaseExpired(lease, new Date(T0.getTime() + 999)), false);
  assert.equal(leaseExpired(lease, new Date(T0.getTime() + 1000)), true);
  assert.equal(leaseExpired({ ...lease, expires: "soon" }, T0), true);
  assert.deepEqual(lockCreateArgs("l"), [
    "docker",
    "config",
    "create",
    "--label",
    "io.autostack.lock=1",
    "l",
    "-",
  ]);
  assert.deepEqual(lockInspectArgs("l"), ["docker", "config", "inspect", "l"]);
  assert.deepEqual(lockRemoveArgs("abc"), ["docker", "config", "rm", "abc"]);
});

Deno.test("parseLockInspect() reads the ID and the lease, and tells a foreign content apart", () => {
  const lease = newLease("m1", 1, T0, 1000);
  const out = (data: string) => JSON.stringify([{ ID: "i1", Spec: { Name: "l", Data: data } }]);
  assert.deepEqual(parseLockInspect(out(btoa(JSON.stringify(lease)))), { id: "i1", lease });
  assert.deepEqual(parseLockInspect(out(btoa("{}"))), { id: "i1", lease: undefined });
  assert.deepEqual(parseLockInspect(out("!!")), { id: "i1", lease: undefined });
  assert.equal(parseLockInspect("[]"), undefined);
  assert.equal(parseLockInspect("not json"), undefined);
});
