/**
 * End-to-end tests of faults of a real host (issue 17, "operator trust"): a
 * stale lock whose pid now belongs to another process, and a `pre_deploy`
 * that prints 50 MB. Each runs the CLI as a subprocess against real git and
 * real Docker.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SKIP_DOCKER } from "./_docker.ts";
import { webCompose } from "./_harness.ts";
import { type Scene, stackFiles, withScene, withTmpfs } from "./_scene.ts";
import { parseStartTime } from "../../lib/state/mod.ts";

const ignore = SKIP_DOCKER;

/** Field 22 of `/proc/PID/stat`: when the process started, in clock ticks since boot. */
async function startTime(pid: number): Promise<number> {
  const start = parseStartTime(await Deno.readTextFile(`/proc/${pid}/stat`));
  if (typeof start !== "number") throw new Error(`no start time for pid ${pid}`);
  return start;
}

/** Writes the lock file a run of this host would have left, with `fields` over its defaults. */
async function writeLock(s: Scene, fields: Record<string, unknown>): Promise<string> {
  await Deno.mkdir(s.ws.base, { recursive: true });
  const path = join(s.ws.base, "autostack.lock");
  const boot = (await Deno.readTextFile("/proc/sys/kernel/random/boot_id")).trim();
  const lock = { hostname: Deno.hostname(), started: "2026-01-01T00:00:00.000Z", boot, ...fields };
  await Deno.writeTextFile(path, JSON.stringify(lock) + "\n");
  return path;
}

async function gone(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => false, () => true);
}

Deno.test({
  name: "run takes over a stale lock whose pid is now another live process, and refuses a live one",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      await s.commit(stackFiles(name, webCompose()));
      // An unrelated live process: it has the lock's pid, but started later than the lock says.
      const sleeper = new Deno.Command("sleep", { args: ["60"] }).spawn();
      try {
        const pid = sleeper.pid;
        const start = await startTime(pid);
        const lock = await writeLock(s, { pid, start: start - 1 });
        const first = await s.run();
        assert.equal(first.code, 0, first.stderr);
        assert.match(
          first.stderr,
          new RegExp(
            `warning: taking over the lock of process ${pid}: it is gone, pid ${pid} is now another process`,
          ),
        );
        assert.equal((await s.history()).at(-1)?.result, "deployed");
        assert.ok(await gone(lock), "the run released the lock it took over");

        // pid 1 always runs; a lock naming it with another start time is stale too.
        await writeLock(s, { pid: 1, start: (await startTime(1)) + 1 });
        const again = await s.run();
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stderr, /taking over the lock of process 1: it is gone/);

        // The same process, start time and boot: the holder lives, the run waits for it.
        await writeLock(s, { pid, start });
        const held = await s.run();
        assert.equal(held.code, 75, held.stderr);
        assert.match(
          held.stderr,
          new RegExp(`another run holds .*autostack\\.lock \\(pid ${pid} `),
        );

        // A lock of an older version (no boot id, no start): the pid rule of old.
        await writeLock(s, { pid, boot: undefined });
        const old = await s.run();
        assert.equal(old.code, 75, old.stderr);
      } finally {
        try {
          sleeper.kill("SIGKILL");
        } catch { /* ended */ }
        await sleeper.status;
      }
    }),
});

Deno.test({
  name: "run deploys past a pre_deploy that prints 50 MB, and history keeps its last lines, cut",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const name = s.name();
      // 25.9 MB in 2 million short lines, then 25 MB on one line, then one more line.
      const script = "seq -f 'line %.0f' 1 2000000; head -c 25000000 /dev/zero | tr '\\0' x; " +
        "echo; echo done";
      await s.commit(stackFiles(name, webCompose(), { pre_deploy: script }));
      const run = await s.run();
      assert.equal(run.code, 0, run.stderr);
      const entry = (await s.history()).at(-1);
      assert.equal(entry?.result, "deployed");
      const long = `${"x".repeat(4096)} [… ${25_000_000 - 4096} more characters cut]`;
      assert.deepEqual(entry?.output?.split("\n"), [
        ...Array.from({ length: 18 }, (_, i) => `line ${1_999_983 + i}`),
        long,
        "done",
      ]);
    }),
});

Deno.test({
  name: "run on a full disk exits 1 with one line and leaves no lock file to block the next run",
  // Mounting a small file system needs root.
  ignore: ignore || Deno.uid() !== 0,
  fn: () =>
    withScene({}, async (s) => {
      await withTmpfs(s.ws.base, "4m", async () => {
        const filler = join(s.ws.base, "filler");
        const fill = await new Deno.Command("sh", {
          args: ["-c", `head -c 8000000 /dev/zero > ${filler}`],
        }).output();
        assert.equal(fill.success, false, "the disk is full");
        const full = await s.run();
        assert.equal(full.code, 1, full.stderr);
        assert.equal(
          full.stderr.trim(),
          `autostack: cannot write the lock file ${
            join(s.ws.base, "autostack.lock")
          }: No space left on device (os error 28)`,
        );
        assert.deepEqual([...Deno.readDirSync(s.ws.base)].map((e) => e.name), ["filler"]);
        await Deno.remove(filler);
        const next = await s.run();
        assert.equal(next.code, 0, next.stderr);
        assert.doesNotMatch(next.stderr, /lock/, "nothing to take over");
      });
    }),
});
