/**
 * End-to-end tests of `autostack watch` as a subprocess: signed and badly
 * signed GitHub- and GitLab-style pushes to its webhook, a burst of pushes,
 * a Docker that fails for a tick, a git remote that is gone for a tick, and
 * SIGTERM ending it with exit 0.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseHistoryLine } from "../../lib/state/mod.ts";
import { hmacSha256Hex } from "../../lib/watch/mod.ts";
import { downProject, requireDocker, SKIP_DOCKER } from "./_docker.ts";
import { type CliResult, git, spawnCli, StacksRepo, webCompose, Workspace } from "./_harness.ts";
import { closedPort, uniqueStack, waitUntil } from "./_receiver.ts";
import type { HistoryEntry } from "../../lib/outcome.ts";

const ignore = SKIP_DOCKER;
const SECRET = "correct horse battery staple";

/**
 * A stack whose versions differ by a label. `blind` where the test is about
 * what triggers a deploy, not the health gate: the deploy is then about 1 s.
 */
function stackFiles(name: string, label: string, method = "simple"): Record<string, string> {
  return {
    [`${name}/compose.yaml`]: webCompose({ extra: `    labels: [${label}]\n` }),
    [`${name}/deploy.yaml`]: `health_timeout: 5s\nmethod: ${method}\n`,
  };
}

async function history(ws: Workspace): Promise<HistoryEntry[]> {
  const text = await Deno.readTextFile(join(ws.base, "history.jsonl")).catch(() => "");
  return text.split("\n").map(parseHistoryLine).filter((e): e is HistoryEntry => e !== undefined);
}

/** A running `watch`: its port, its exit, and a reader of `/healthz`. */
interface Watcher {
  port: number;
  stop(): Promise<CliResult>;
  health(): Promise<
    { runs: number; last_run: { result: string; reason: string; error?: string } | null }
  >;
}

function startWatch(ws: Workspace, args: string[]): Watcher {
  const port = closedPort();
  const child = spawnCli(
    ["watch", "--config", ws.config, "--listen", `127.0.0.1:${port}`, ...args],
    { cwd: ws.dir, env: { AUTOSTACK_LOG: "info" } },
  );
  let stopped: Promise<CliResult> | undefined;
  return {
    port,
    stop: () => {
      if (stopped === undefined) {
        Deno.kill(child.pid, "SIGTERM");
        stopped = child.result;
      }
      return stopped;
    },
    health: async () => await (await fetch(`http://127.0.0.1:${port}/healthz`)).json(),
  };
}

/** Waits until `/healthz` shows run number `runs` (or later) finished; returns its last run. */
function runsDone(w: Watcher, runs: number, timeoutMs = 30_000) {
  return waitUntil(`run ${runs}`, async () => {
    const health = await w.health().catch(() => undefined);
    return health && health.runs >= runs ? health : undefined;
  }, timeoutMs);
}

/** Waits for a history entry of `commit` with `result`. */
function entryOf(ws: Workspace, commit: string, result: string, timeoutMs = 30_000) {
  return waitUntil(`${result} of ${commit.slice(0, 7)}`, async () => {
    return (await history(ws)).find((e) => e.commit === commit && e.result === result);
  }, timeoutMs);
}

/**
 * Runs `push` and waits for the deployed entry of `commit`: how long after the
 * push the deploy began (its entry's time minus its duration) and ended.
 */
async function timedDeploy(ws: Workspace, commit: string, push: () => Promise<void>) {
  const sent = Date.now();
  await push();
  const entry = await entryOf(ws, commit, "deployed", 10_000);
  const end = Date.parse(entry.time);
  return { startMs: end - entry.duration_ms - sent, doneMs: end - sent };
}

/** A repo with one stack, a workspace (`config` merged in), all cleaned up after `fn`. */
async function scene(
  method: string,
  config: (dir: string) => Record<string, unknown>,
  fn: (s: { name: string; repo: StacksRepo; ws: Workspace; dir: string }) => Promise<void>,
) {
  await requireDocker();
  const name = uniqueStack("wat");
  const repo = await StacksRepo.create(stackFiles(name, "v1", method));
  const dir = await Deno.makeTempDir({ prefix: "autostack-watch-" });
  const ws = await Workspace.create({ repo: repo.url, ...config(dir) });
  try {
    await fn({ name, repo, ws, dir });
  } finally {
    await downProject(name);
    await repo.cleanup();
    await ws.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
}

async function post(w: Watcher, body: string, headers: Record<string, string>) {
  const response = await fetch(`http://127.0.0.1:${w.port}/hooks/git`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  await response.body?.cancel();
  return response.status;
}

const push = (ref: string) =>
  JSON.stringify({ ref, repository: { name: "stacks", default_branch: "main" } });
const github = async (body: string, secret = SECRET) => ({
  "x-github-event": "push",
  "x-hub-signature-256": `sha256=${await hmacSha256Hex(secret, new TextEncoder().encode(body))}`,
});
const gitlab = (token: string) => ({ "x-gitlab-event": "Push Hook", "x-gitlab-token": token });

Deno.test({
  name: "watch starts a deploy within 3 s of a signed push and ignores badly signed ones",
  ignore,
  fn: () =>
    scene("blind", () => ({ webhook_secret: SECRET }), async ({ name, repo, ws }) => {
      const w = startWatch(ws, ["--interval", "1h"]);
      try {
        assert.equal((await runsDone(w, 1)).last_run?.result, "ok");
        const v2 = await repo.commit(stackFiles(name, "v2", "blind"));

        const body = push("refs/heads/main");
        assert.equal(await post(w, body, await github(body, "wrong secret")), 401);
        assert.equal(await post(w, body, {}), 401);
        assert.equal(await post(w, body, gitlab("wrong token")), 401);
        const other = push("refs/heads/feature");
        assert.equal(await post(w, other, await github(other)), 200);
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        assert.equal((await w.health()).runs, 1, "nothing ran for those");
        assert.equal((await history(ws)).length, 1);

        const byGithub = await timedDeploy(ws, v2, async () => {
          assert.equal(await post(w, body, await github(body)), 202);
        });

        const v3 = await repo.commit(stackFiles(name, "v3", "blind"));
        const byGitlab = await timedDeploy(ws, v3, async () => {
          assert.equal(await post(w, body, gitlab(SECRET)), 202);
        });
        for (const [who, t] of [["GitHub", byGithub], ["GitLab", byGitlab]] as const) {
          // The deploy starts at once; how long it then takes is Docker's (about 1 s here, more
          // when the whole suite runs in parallel), so the bound on the end is looser.
          assert.ok(t.startMs < 3_000, `${who}: deploy began ${t.startMs} ms after the push`);
          assert.ok(t.doneMs < 10_000, `${who}: deploy done ${t.doneMs} ms after the push`);
        }

        // A burst of pushes: one run now and at most one more, never five.
        const before = (await w.health()).runs;
        const v4 = await repo.commit(stackFiles(name, "v4", "blind"));
        const signed = await github(body);
        const statuses = await Promise.all([1, 2, 3, 4, 5].map(() => post(w, body, signed)));
        assert.deepEqual(statuses, [202, 202, 202, 202, 202]);
        await entryOf(ws, v4, "deployed", 10_000);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        const runs = (await runsDone(w, before + 1)).runs - before;
        assert.ok(runs >= 1 && runs <= 2, `${runs} runs for a burst of 5 pushes`);
      } finally {
        const result = await w.stop();
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /SIGTERM: stopping after the current run/);
        assert.match(result.stderr, /push from 127\.0\.0\.1:\d+ rejected/);
      }
    }),
});

Deno.test({
  name:
    "watch survives a failing Docker and a vanished git remote, and deploys on the next good tick",
  ignore,
  fn: () =>
    scene(
      "simple",
      (dir) => ({ compose: join(dir, "compose.sh") }),
      async ({ name, repo, ws, dir }) => {
        // The compose command fails while the flag file exists, like a dead daemon.
        const flag = join(dir, "docker-down");
        await Deno.writeTextFile(
          join(dir, "compose.sh"),
          `#!/bin/sh\nif [ -e '${flag}' ]; then\n  echo "Cannot connect to the Docker daemon at unix:///nonexistent.sock" >&2\n  exit 1\nfi\nexec docker compose "$@"\n`,
        );
        await Deno.chmod(join(dir, "compose.sh"), 0o755);
        const w = startWatch(ws, ["--interval", "1s"]);
        let stopped: CliResult | undefined;
        try {
          assert.equal((await runsDone(w, 1)).last_run?.result, "ok");

          await Deno.writeTextFile(flag, "");
          const v2 = await repo.commit(stackFiles(name, "v2"));
          // A dead daemon is the host's fault: the run ends with one error, nothing recorded.
          const down = await waitUntil("a run stopped by the dead daemon", async () => {
            const health = await w.health();
            return health.last_run?.result === "error" ? health : undefined;
          });
          assert.match(down.last_run?.error ?? "", /Docker does not answer/);
          await Deno.remove(flag);
          await entryOf(ws, v2, "deployed");
          assert.deepEqual(
            (await history(ws)).filter((e) => e.commit === v2).map((e) => e.result),
            ["deployed"],
          );

          // The remote goes away; a commit waits in it for its return.
          const away = `${repo.url}.away`;
          await Deno.rename(repo.url, away);
          await Deno.writeTextFile(
            join(repo.work, name, "compose.yaml"),
            webCompose({ extra: "    labels: [v3]\n" }),
          );
          await git(repo.work, "commit", "-qam", "v3");
          await git(repo.work, "push", "-q", away, "HEAD:main");
          const v3 = await git(repo.work, "rev-parse", "HEAD");
          await waitUntil("a run that failed to fetch", async () => {
            const health = await w.health();
            return health.last_run?.result === "error" ? health : undefined;
          });
          await Deno.rename(away, repo.url);
          await entryOf(ws, v3, "deployed");
          // The entry is written before the run ends (the watch then refreshes its status).
          await waitUntil("an ok run", async () => {
            const health = await w.health();
            return health.last_run?.result === "ok" ? health : undefined;
          });
        } finally {
          stopped = await w.stop();
        }
        assert.equal(stopped.code, 0, stopped.stderr);
        assert.match(stopped.stderr, /watch: run failed: git fetch: /);
      },
    ),
});
