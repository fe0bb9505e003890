import { memoryLogger } from "../_fakes.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { LockedError } from "../../lib/errors.ts";
import { acquireLock, type LockOptions, processAlive } from "../../lib/state/mod.ts";

const NOW = new Date("2026-03-01T10:00:00.000Z");

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "autostack_lock_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function options(pid: number, extra: Partial<LockOptions> = {}): LockOptions {
  return {
    pid,
    hostname: "box",
    now: () => NOW,
    logger: memoryLogger(),
    isAlive: () => true,
    ...extra,
  };
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(path));
}

Deno.test("acquireLock() writes pid, hostname and start time, and release() removes the file", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    const lock = await acquireLock(path, options(1234));
    assert.deepEqual(await readJson(path), {
      pid: 1234,
      hostname: "box",
      started: "2026-03-01T10:00:00.000Z",
    });
    await lock.release();
    await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
    await lock.release();
  }));

Deno.test("acquireLock() refuses with one line naming the live holder", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    const first = await acquireLock(path, options(1234));
    await assert.rejects(() => acquireLock(path, options(5678)), (error: unknown) => {
      assert.ok(error instanceof LockedError);
      assert.equal(error.exitCode, 75);
      assert.equal(
        error.message,
        `another run holds ${path} (pid 1234 on box, since 2026-03-01T10:00:00.000Z)`,
      );
      return true;
    });
    await first.release();
  }));

Deno.test("acquireLock() assumes a holder on another host is alive", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    await Deno.writeTextFile(path, JSON.stringify({ pid: 1, hostname: "other", started: "x" }));
    await assert.rejects(
      () => acquireLock(path, options(5678, { isAlive: () => false })),
      LockedError,
    );
  }));

Deno.test("acquireLock() takes over the lock of a dead process with a warning", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    await Deno.writeTextFile(path, JSON.stringify({ pid: 999, hostname: "box", started: "x" }));
    const logger = memoryLogger();
    const lock = await acquireLock(path, options(5678, { logger, isAlive: (pid) => pid !== 999 }));
    assert.deepEqual(logger.lines, [
      "autostack: warning: taking over the lock of dead process 999",
    ]);
    assert.deepEqual(await readJson(path), {
      pid: 5678,
      hostname: "box",
      started: "2026-03-01T10:00:00.000Z",
    });
    await lock.release();
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  }));

Deno.test("acquireLock() takes over a lock with our own pid left by a previous life", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    await Deno.writeTextFile(path, JSON.stringify({ pid: 1, hostname: "box", started: "x" }));
    const lock = await acquireLock(path, options(1));
    await assert.rejects(() => acquireLock(path, options(1)), LockedError);
    await lock.release();
  }));

Deno.test("acquireLock() waits out a fresh unreadable lock file, then takes it over", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    await Deno.writeTextFile(path, "");
    const written = (await Deno.stat(path)).mtime ?? NOW;
    const at = (ms: number) => () => new Date(written.getTime() + ms);
    await assert.rejects(
      () => acquireLock(path, options(5678, { now: at(1000) })),
      /another run is taking .* not written yet/,
    );
    const logger = memoryLogger();
    const lock = await acquireLock(path, options(5678, { now: at(60_000), logger }));
    assert.match(logger.lines[0] ?? "", /taking over the unreadable lock file/);
    await lock.release();
  }));

Deno.test("acquireLock() lets only one of two racing runs take over a dead lock", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    for (let round = 0; round < 20; round++) {
      await Deno.writeTextFile(path, JSON.stringify({ pid: 999, hostname: "box", started: "x" }));
      const isAlive = (pid: number) => pid !== 999;
      const results = await Promise.allSettled([
        acquireLock(path, options(100, { isAlive })),
        acquireLock(path, options(200, { isAlive })),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      assert.equal(won.length, 1, `round ${round}`);
      const lost = results.find((r) => r.status === "rejected");
      assert.ok(lost?.reason instanceof LockedError);
      await Deno.remove(path);
      assert.deepEqual([...Deno.readDirSync(dir)], [], "no stale copies left");
    }
  }));

Deno.test("release() leaves a lock that another run has taken over", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    const lock = await acquireLock(path, options(1234));
    const other = await acquireLock(path, options(5678, { isAlive: () => false }));
    await lock.release();
    assert.deepEqual(await readJson(path), {
      pid: 5678,
      hostname: "box",
      started: "2026-03-01T10:00:00.000Z",
    });
    await other.release();
  }));

Deno.test("processAlive() sees this process and not a pid that cannot exist", () => {
  assert.equal(processAlive(Deno.pid), true);
  assert.equal(processAlive(2 ** 22 + 12345), false);
});
