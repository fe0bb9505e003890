import { memoryLogger } from "../_fakes.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AutostackError, LockedError } from "../../lib/errors.ts";
import {
  acquireLock,
  type LockOptions,
  parseStartTime,
  processAlive,
  type ProcInfo,
  procInfo,
} from "../../lib/state/mod.ts";
import { withTempDir } from "../_temp.ts";

const NOW = new Date("2026-03-01T10:00:00.000Z");

/** A /proc of boot `boot` where process PID started at tick PID * 10 (none when not listed). */
function fakeProc(boot = "boot-1", pids: number[] = [1, 100, 200, 1234, 5678]): ProcInfo {
  return {
    bootId: () => boot,
    startTime: (pid) => pids.includes(pid) ? pid * 10 : null,
  };
}

function options(pid: number, extra: Partial<LockOptions> = {}): LockOptions {
  return {
    pid,
    hostname: "box",
    now: () => NOW,
    logger: memoryLogger(),
    isAlive: () => true,
    proc: fakeProc(),
    ...extra,
  };
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(path));
}

Deno.test("acquireLock() writes pid, hostname, start time, boot id and process start, and release() removes the file", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    const lock = await acquireLock(path, options(1234));
    assert.deepEqual(await readJson(path), {
      pid: 1234,
      hostname: "box",
      started: "2026-03-01T10:00:00.000Z",
      boot: "boot-1",
      start: 12340,
    });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["autostack.lock"]);
    await lock.release();
    await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
    await lock.release();
  }));

Deno.test("acquireLock() leaves out boot id and process start when /proc cannot tell", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    const proc = { bootId: () => undefined, startTime: () => undefined };
    const lock = await acquireLock(path, options(1234, { proc }));
    assert.deepEqual(await readJson(path), {
      pid: 1234,
      hostname: "box",
      started: "2026-03-01T10:00:00.000Z",
    });
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

Deno.test("acquireLock() takes over a lock whose pid now belongs to a process started later", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    const stale = { pid: 1234, hostname: "box", started: "x", boot: "boot-1", start: 777 };
    await Deno.writeTextFile(path, JSON.stringify(stale));
    const logger = memoryLogger();
    // isAlive says yes: the pid exists, it is just not the holder any more.
    const lock = await acquireLock(path, options(5678, { logger }));
    assert.deepEqual(logger.lines, [
      "autostack: warning: taking over the lock of process 1234: it is gone, pid 1234 is now another process",
    ]);
    assert.equal((await readJson(path) as { pid: number }).pid, 5678);
    await lock.release();
  }));

Deno.test("acquireLock() takes over a lock written before a reboot, whatever runs with its pid now", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    const stale = { pid: 1234, hostname: "box", started: "x", boot: "boot-0", start: 12340 };
    await Deno.writeTextFile(path, JSON.stringify(stale));
    const logger = memoryLogger();
    const lock = await acquireLock(path, options(5678, { logger }));
    assert.deepEqual(logger.lines, [
      "autostack: warning: taking over the lock of process 1234: it ran before a reboot",
    ]);
    await lock.release();
  }));

Deno.test("acquireLock() takes over a lock whose process is gone, by /proc, even when isAlive says yes", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    const stale = { pid: 999, hostname: "box", started: "x", boot: "boot-1", start: 9990 };
    await Deno.writeTextFile(path, JSON.stringify(stale));
    const logger = memoryLogger();
    const lock = await acquireLock(path, options(5678, { logger }));
    assert.deepEqual(logger.lines, [
      "autostack: warning: taking over the lock of process 999: it is gone",
    ]);
    await lock.release();
  }));

Deno.test("acquireLock() refuses when boot id and process start both match the holder's", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    const held = { pid: 1234, hostname: "box", started: "x", boot: "boot-1", start: 12340 };
    await Deno.writeTextFile(path, JSON.stringify(held));
    await assert.rejects(
      () => acquireLock(path, options(5678, { isAlive: () => false })),
      /another run holds .* \(pid 1234 on box, since x\)/,
    );
  }));

Deno.test("acquireLock() falls back to isAlive when /proc cannot tell the holder's start", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    const held = { pid: 1234, hostname: "box", started: "x", boot: "boot-1", start: 1 };
    await Deno.writeTextFile(path, JSON.stringify(held));
    const proc = { bootId: () => "boot-1", startTime: () => undefined };
    await assert.rejects(() => acquireLock(path, options(5678, { proc })), LockedError);
    const lock = await acquireLock(path, options(5678, { proc, isAlive: () => false }));
    await lock.release();
  }));

Deno.test("acquireLock() keeps the pid rule for a lock of an older version, without boot and start", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    await Deno.writeTextFile(path, JSON.stringify({ pid: 1234, hostname: "box", started: "x" }));
    // /proc would say "another process" had the lock recorded a start; it has none.
    await assert.rejects(() => acquireLock(path, options(5678)), LockedError);
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
      "autostack: warning: taking over the lock of process 999: it is gone",
    ]);
    assert.deepEqual(await readJson(path), {
      pid: 5678,
      hostname: "box",
      started: "2026-03-01T10:00:00.000Z",
      boot: "boot-1",
      start: 56780,
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

const UNREADABLE: [string, string][] = [["an empty", ""], ["a torn", '{"pid": 12'], [
  "a foreign",
  "[1]",
]];
for (const [what, text] of UNREADABLE) {
  Deno.test(`acquireLock() takes over ${what} lock file at once, with a warning`, () =>
    withTempDir(async (dir) => {
      const path = join(dir, "autostack.lock");
      await Deno.writeTextFile(path, text);
      const logger = memoryLogger();
      const lock = await acquireLock(path, options(5678, { logger }));
      assert.equal(logger.lines.length, 1);
      assert.match(
        logger.lines[0] ?? "",
        /^autostack: warning: taking over the empty or unreadable lock file .*autostack\.lock \(last written \d{4}-/,
      );
      assert.equal((await readJson(path) as { pid: number }).pid, 5678);
      await lock.release();
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    }));
}

Deno.test("acquireLock() on a full disk throws one line and leaves no lock file, empty or not", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    const full = () => {
      const error = new Error("No space left on device (os error 28)");
      return Promise.reject(Object.assign(error, { code: "ENOSPC" }));
    };
    await assert.rejects(() => acquireLock(path, options(5678, { write: full })), (error) => {
      assert.ok(error instanceof AutostackError);
      assert.ok(!(error instanceof LockedError), "not exit 75: nothing holds the lock");
      assert.equal(
        error.message,
        `cannot write the lock file ${path}: No space left on device (os error 28)`,
      );
      return true;
    });
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    // The next run is not blocked.
    const lock = await acquireLock(path, options(5678));
    await lock.release();
  }));

Deno.test("acquireLock() checks what it wrote: a short write leaves no lock file", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "autostack.lock");
    const short = async (file: Deno.FsFile, bytes: Uint8Array) => {
      await file.write(bytes.subarray(0, 10));
    };
    await assert.rejects(
      () => acquireLock(path, options(5678, { write: short })),
      /^AutostackError: cannot write the lock file .*: 10 of \d+ bytes written \(is the disk full\?\)$/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
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
    const other = await acquireLock(path, options(5678, { proc: fakeProc("boot-1", [5678]) }));
    await lock.release();
    assert.deepEqual(await readJson(path), {
      pid: 5678,
      hostname: "box",
      started: "2026-03-01T10:00:00.000Z",
      boot: "boot-1",
      start: 56780,
    });
    await other.release();
  }));

Deno.test("parseStartTime() reads field 22, counting from the last parenthesis of the name", () => {
  // Fields 7 (tty_nr) to 21 (itrealvalue), then 22 (starttime) and two more.
  const tail = "0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 424242 1000 10";
  assert.equal(parseStartTime(`77 (a) b (c)) S 1 77 77 ${tail}`), 424242);
  assert.equal(parseStartTime(`77 (zombie) Z 1 77 77 ${tail}`), null);
  assert.equal(parseStartTime("77 (short) S 1"), undefined);
});

Deno.test("procInfo reads this boot's id and this process's start, and no start for a pid that cannot exist", () => {
  assert.match(procInfo.bootId() ?? "", /^[0-9a-f-]{36}$/);
  const start = procInfo.startTime(Deno.pid);
  assert.equal(typeof start, "number");
  assert.equal(procInfo.startTime(Deno.pid), start);
  assert.equal(procInfo.startTime(2 ** 22 + 12345), null);
});

Deno.test("processAlive() sees this process and not a pid that cannot exist", () => {
  assert.equal(processAlive(Deno.pid), true);
  assert.equal(processAlive(2 ** 22 + 12345), false);
});
