/**
 * The start of a run: git first, the engine and the rest once git is at work,
 * and never a wait that does not end when the sync fails.
 * @module
 */
import assert from "node:assert/strict";
import { fakeEngine, fakeRunner } from "./_fakes.ts";
import { testDeps } from "./_deps.ts";
import { withTempDir, writeFiles } from "./_temp.ts";
import { parseConfig } from "../lib/config/mod.ts";
import { startRun } from "../lib/run_start.ts";

const configIn = (base: string) =>
  parseConfig(`repo: /r\nbase_dir: ${base}\n`, "/c.yaml", {}, { hostname: "h" });

Deno.test("startRun() asks the engine only once git's clean has ended", async () => {
  await withTempDir(async (base) => {
    // A clone of the configured repo: a fetch and a clean, no clone.
    await writeFiles(base, { "repo/.git/config": '[remote "origin"]\n\turl = /r\n' });
    const order: string[] = [];
    const runner = fakeRunner((cmd) => {
      order.push(`git ${cmd.find((a) => a === "clean" || a === "fetch") ?? cmd[3]}`);
      return undefined;
    });
    const engine = fakeEngine((request) => {
      order.push(`engine ${request.path}`);
      return undefined;
    });
    const started = startRun(configIn(base), testDeps({ runner, engine }));
    await started.local;
    await started.synced.catch(() => {});
    assert.deepEqual(order.slice(0, 3), ["git fetch", "git clean", "engine /containers/json"]);
    await started.underway;
  });
});

Deno.test("startRun() is underway too when the sync fails before git is at work (a failed clone)", async () => {
  await withTempDir(async (base) => {
    const runner = fakeRunner(() => ({ code: 128, stderr: "fatal: not a git repository" }));
    const started = startRun(configIn(base), testDeps({ runner, engine: fakeEngine() }));
    await assert.rejects(started.synced);
    await started.underway;
    await started.local;
  });
});
