/**
 * Unit tests of the swarm lock against a fake engine that keeps swarm configs
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
  newLease,
  parseLease,
  type SwarmLockOptions,
} from "../../lib/state/mod.ts";
import { type Engine, type EngineRequest, Swarm } from "../../lib/docker/mod.ts";
import { AutostackError, DockerDownError, LockedError } from "../../lib/errors.ts";
import { fakeEngine, fakeRunner, memoryLogger } from "../_fakes.ts";

const CreateBody = (request: EngineRequest) =>
  request.body as { Name: string; Labels: Record<string, string>; Data: string };

/** Swarm configs in memory: created once per name, read by name, removed by ID (as the managers do). */
function fakeSwarm() {
  const configs = new Map<string, { id: string; data: string }>();
  let next = 0;
  const engine = fakeEngine((request) => {
    const arg = decodeURIComponent(request.path.split("/").pop()!);
    if (request.method === "POST") {
      const { Name, Data } = CreateBody(request);
      if (configs.has(Name)) {
        return {
          status: 409,
          body: { message: `rpc error: code = AlreadyExists desc = config ${Name} already exists` },
        };
      }
      const id = `id${++next}`;
      configs.set(Name, { id, data: atob(Data) });
      return { status: 201, body: { ID: id } };
    }
    if (request.method === "GET") {
      const found = configs.get(arg);
      if (!found) return { status: 404, body: { message: `config ${arg} not found` } };
      return { body: { ID: found.id, Spec: { Name: arg, Data: btoa(found.data) } } };
    }
    for (const [name, c] of configs) {
      if (c.id === arg) {
        configs.delete(name);
        return { status: 204, body: undefined };
      }
    }
    return { status: 404, body: { message: `config ${arg} not found` } };
  });
  return { configs, engine };
}

const T0 = new Date("2026-12-01T18:00:00Z");

function options(
  engine: Engine,
  over: Partial<SwarmLockOptions> = {},
): SwarmLockOptions & { logger: ReturnType<typeof memoryLogger> } {
  return {
    configs: new Swarm(fakeRunner(() => undefined), engine),
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
  const lock = await acquireSwarmLock(options(swarm.engine));
  assert.deepEqual(lock.lease, {
    host: "m1",
    pid: 42,
    taken: "2026-12-01T18:00:00.000Z",
    expires: "2026-12-01T18:15:00.000Z",
  });
  assert.deepEqual(JSON.parse(swarm.configs.get("autostack-lock")!.data), lock.lease);
  const create = swarm.engine.calls[0]!;
  assert.deepEqual([create.method, create.path], ["POST", "/configs/create"]);
  assert.deepEqual(CreateBody(create).Labels, { "io.autostack.lock": "1" });
});

Deno.test("acquireSwarmLock() refuses while another run's lease is live, naming it", async () => {
  const swarm = fakeSwarm();
  await acquireSwarmLock(options(swarm.engine, { hostname: "m2", pid: 7 }));
  await assert.rejects(
    acquireSwarmLock(options(swarm.engine, { now: () => new Date(T0.getTime() + 60_000) })),
    (error: unknown) =>
      error instanceof LockedError && error.exitCode === 75 &&
      error.message ===
        "another autostack run holds the swarm lock: host m2, pid 7, until 2026-12-01T18:15:00.000Z",
  );
});

Deno.test("release() frees the lock for the next run, and twice is harmless", async () => {
  const swarm = fakeSwarm();
  const first = await acquireSwarmLock(options(swarm.engine));
  await first.release();
  await first.release();
  assert.equal(swarm.configs.size, 0);
  const second = await acquireSwarmLock(options(swarm.engine, { hostname: "m2" }));
  assert.equal(second.lease.host, "m2");
});

Deno.test("an expired lease is taken over with a warning, and its holder cannot remove the new one", async () => {
  const swarm = fakeSwarm();
  const old = await acquireSwarmLock(options(swarm.engine, { hostname: "m2", pid: 7 }));
  const later = new Date(T0.getTime() + 16 * 60_000);
  const opts = options(swarm.engine, { now: () => later });
  const lock = await acquireSwarmLock(opts);
  assert.equal(lock.lease.taken, later.toISOString());
  assert.deepEqual(opts.logger.lines.map((l) => l.replace(/^.*?(taking)/, "$1")), [
    "taking over the swarm lock of host m2, pid 7: its lease ran out at 2026-12-01T18:15:00.000Z",
  ]);
  // The old holder wakes up and releases: by ID, so the new lock stays.
  await old.release();
  assert.equal(JSON.parse(swarm.configs.get("autostack-lock")!.data).host, "m1");
  assert.ok(swarm.engine.calls.some((c) => c.method === "DELETE" && c.path === "/configs/id1"));
});

Deno.test("a live lease whose holder is known to be gone (killed on this host) is taken over", async () => {
  const swarm = fakeSwarm();
  await acquireSwarmLock(options(swarm.engine, { hostname: "m1", pid: 7 }));
  const opts = options(swarm.engine, { pid: 8, holderGone: (lease) => lease.pid === 7 });
  const lock = await acquireSwarmLock(opts);
  assert.equal(lock.lease.pid, 8);
  assert.deepEqual(opts.logger.lines.map((l) => l.replace(/^.*?(taking)/, "$1")), [
    "taking over the swarm lock of host m1, pid 7: that run is gone",
  ]);
  await assert.rejects(
    () => acquireSwarmLock(options(swarm.engine, { pid: 9, holderGone: () => false })),
    LockedError,
  );
});

Deno.test("two runs that find the same expired lease: the second one meets the first one's lock", async () => {
  const swarm = fakeSwarm();
  await acquireSwarmLock(options(swarm.engine, { hostname: "dead" }));
  const later = () => new Date(T0.getTime() + 20 * 60_000);
  // Run B inspects the expired lease, then run A takes it over before B removes it.
  let raced = false;
  const racing: Engine = {
    request(request) {
      if (!raced && request.method === "DELETE") {
        raced = true;
        return acquireSwarmLock(options(swarm.engine, { hostname: "a", now: later }))
          .then(() => swarm.engine.request(request));
      }
      return swarm.engine.request(request);
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
  const lock = await acquireSwarmLock(options(swarm.engine, { now: () => now }));
  assert.equal(lock.covers(10 * 60_000), true);
  now = new Date(T0.getTime() + 10 * 60_000);
  assert.equal(lock.covers(4 * 60_000), true);
  assert.equal(lock.covers(5 * 60_000), false);
});

Deno.test("a lock config without a lease is left alone, with how to remove it", async () => {
  const swarm = fakeSwarm();
  swarm.configs.set("autostack-lock", { id: "x", data: "hello" });
  await assert.rejects(
    acquireSwarmLock(options(swarm.engine)),
    /holds no autostack lease: remove it with docker config rm autostack-lock/,
  );
  assert.equal(swarm.configs.get("autostack-lock")!.id, "x");
});

Deno.test("acquireSwarmLock() fails clearly when Docker does not answer or is no manager", async () => {
  const down = fakeEngine(() => {
    throw new DockerDownError("cannot reach the engine at /var/run/docker.sock");
  });
  await assert.rejects(acquireSwarmLock(options(down)), DockerDownError);
  const worker = fakeEngine(() => ({
    status: 503,
    body: { message: "This node is not a swarm manager." },
  }));
  await assert.rejects(
    acquireSwarmLock(options(worker)),
    (e: unknown) =>
      e instanceof AutostackError && !(e instanceof LockedError) &&
      e.message ===
        "docker config create autostack-lock failed: This node is not a swarm manager.",
  );
});

Deno.test("newLease() and leaseExpired()", () => {
  const lease = newLease("m1", 1, T0, 1000);
  assert.equal(lease.expires, "2026-12-01T18:00:01.000Z");
  assert.equal(leaseExpired(lease, new Date(T0.getTime() + 999)), false);
  assert.equal(leaseExpired(lease, new Date(T0.getTime() + 1000)), true);
  assert.equal(leaseExpired({ ...lease, expires: "soon" }, T0), true);
});

Deno.test("parseLease() reads a lease, and tells a foreign content apart", () => {
  const lease = newLease("m1", 1, T0, 1000);
  assert.deepEqual(parseLease(JSON.stringify(lease)), lease);
  assert.equal(parseLease("{}"), undefined);
  assert.equal(parseLease("hello"), undefined);
});

Deno.test("the lock config's content goes to the engine as base64 of UTF-8 and comes back as text", async () => {
  const swarm = fakeSwarm();
  const lock = await acquireSwarmLock(options(swarm.engine, { hostname: "mañana" }));
  assert.equal(
    JSON.parse(new TextDecoder().decode(
      Uint8Array.from(swarm.configs.get("autostack-lock")!.data, (c) => c.charCodeAt(0)),
    )).host,
    "mañana",
  );
  await assert.rejects(
    acquireSwarmLock(options(swarm.engine, { hostname: "m2" })),
    /holds the swarm lock: host mañana, pid 42/,
  );
  await lock.release();
});
