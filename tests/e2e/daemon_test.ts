/**
 * Unit tests of the e2e harness's dead-daemon check, with a fake runner (no
 * Docker needed): a daemon that answers is left alone, one that died is
 * started again once, and one that was never there is a clear error.
 * @module
 */
import assert from "node:assert/strict";
import { fakeRunner } from "../_fakes.ts";
import { Daemon, DaemonError } from "./_daemon.ts";

/** A fake host whose `docker version` answers according to `up()`, and whose set-up starts it. */
function host(options: { up: boolean; ranBefore: boolean; setupWorks?: boolean }) {
  let up = options.up;
  const lines: string[] = [];
  const runner = fakeRunner((cmd) => {
    if (cmd[0] === "docker") {
      return up ? { stdout: "26.1.5\n" } : { code: 1, stderr: "cannot connect" };
    }
    if (options.setupWorks ?? true) up = true;
    return { code: options.setupWorks ?? true ? 0 : 1, stderr: "setup: dockerd did not answer" };
  });
  const daemon = new Daemon({
    runner,
    ranBefore: () => Promise.resolve(options.ranBefore),
    log: (line) => lines.push(line),
    restart: ["bash", "scripts/setup.sh"],
  });
  return { daemon, runner, lines, kill: () => up = false };
}

const setups = (runner: ReturnType<typeof fakeRunner>) =>
  runner.calls.filter((c) => c.cmd[0] === "bash").length;

Deno.test("Daemon.ensure() leaves a daemon that answers alone", async () => {
  const { daemon, runner, lines } = host({ up: true, ranBefore: true });
  assert.equal(await daemon.ensure(), "up");
  assert.equal(setups(runner), 0);
  assert.deepEqual(lines, []);
});

Deno.test("Daemon.ensure() starts a daemon that died after it answered, once, and says so", async () => {
  const h = host({ up: true, ranBefore: false });
  assert.equal(await h.daemon.ensure(), "up");
  h.kill();
  assert.equal(await h.daemon.ensure(), "restarted");
  assert.equal(setups(h.runner), 1);
  assert.match(h.lines[0]!, /dockerd stopped answering .*starting it again/);
  assert.equal(await h.daemon.ensure(), "up");
  // A second death in the same process is not papered over.
  h.kill();
  await assert.rejects(() => h.daemon.ensure(), /stopped answering again/);
  assert.equal(setups(h.runner), 1);
});

Deno.test("Daemon.ensure() restarts a daemon whose pid file says it ran before this process", async () => {
  const h = host({ up: false, ranBefore: true });
  assert.equal(await h.daemon.ensure(), "restarted");
  assert.equal(setups(h.runner), 1);
});

Deno.test("Daemon.ensure() fails clearly where Docker never ran, without starting anything", async () => {
  const h = host({ up: false, ranBefore: false });
  await assert.rejects(
    () => h.daemon.ensure(),
    (e: unknown) =>
      e instanceof DaemonError && /deno task setup.*AUTOSTACK_SKIP_DOCKER=1/.test(e.message),
  );
  assert.equal(setups(h.runner), 0);
});

Deno.test("Daemon.ensure() names the set-up's last line when the daemon does not come back", async () => {
  const h = host({ up: false, ranBefore: true, setupWorks: false });
  await assert.rejects(() => h.daemon.ensure(), /did not come back: setup: dockerd did not answer/);
});
