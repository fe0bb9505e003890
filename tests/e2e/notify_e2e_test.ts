/**
 * End-to-end tests of notifications: `autostack run` as a subprocess deploys
 * real stacks and sends to real HTTP receivers on loopback. Each format's
 * payload, the `on` filter, dead targets that cost a few seconds and no
 * failure, and "changes only": a bad version is reported once.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseHistoryLine } from "../../lib/state/mod.ts";
import { downProject, requireDocker, SKIP_DOCKER } from "./_docker.ts";
import { git, StacksRepo, webCompose, Workspace } from "./_harness.ts";
import { closedPort, Receiver, uniqueStack } from "./_receiver.ts";
import type { HistoryEntry } from "../../lib/outcome.ts";

const ignore = SKIP_DOCKER;

function stackFiles(name: string, compose: string): Record<string, string> {
  return { [`${name}/compose.yaml`]: compose, [`${name}/deploy.yaml`]: "health_timeout: 3s\n" };
}

async function history(ws: Workspace): Promise<HistoryEntry[]> {
  const text = await Deno.readTextFile(join(ws.base, "history.jsonl")).catch(() => "");
  return text.split("\n").map(parseHistoryLine).filter((e): e is HistoryEntry => e !== undefined);
}

interface Scene {
  name: string;
  repo: StacksRepo;
  ws: Workspace;
  receiver: Receiver;
  /** A temp folder for files the test's commands write. */
  dir: string;
}

/** A stack, its repo, a workspace with `config`, a receiver; all cleaned up after `fn`. */
async function scene(
  config: (receiver: Receiver, dir: string) => Record<string, unknown>,
  fn: (s: Scene) => Promise<void>,
): Promise<void> {
  await requireDocker();
  const name = uniqueStack("ntf");
  const receiver = Receiver.start();
  const repo = await StacksRepo.create(stackFiles(name, webCompose()));
  const dir = await Deno.makeTempDir({ prefix: "autostack-notify-" });
  const ws = await Workspace.create({ repo: repo.url, ...config(receiver, dir) });
  try {
    await fn({ name, repo, ws, receiver, dir });
  } finally {
    await downProject(name);
    await receiver.close();
    await repo.cleanup();
    await ws.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "run sends each format its own payload, and `on` filters by result",
  ignore,
  fn: () =>
    scene((r, dir) => ({
      notify: [
        r.url("/json"),
        { url: r.url("/discord"), format: "discord" },
        { url: r.url("/slack"), format: "slack" },
        { url: r.url("/ntfy"), format: "ntfy", headers: { Authorization: "Bearer tk_x" } },
        r.url("/gotify/message?token=APPTOKEN"),
        { exec: `cat > ${join(dir, "event.json")}` },
        { url: r.url("/failures"), on: ["rolled_back", "failed"] },
      ],
    }), async ({ name, repo, ws, receiver, dir }) => {
      const commit = await git(repo.work, "rev-parse", "HEAD");
      const first = await ws.run(["run"]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stderr, "");

      const [json] = receiver.at("/json");
      const event = JSON.parse(json!.body);
      assert.equal(json!.headers["content-type"], "application/json");
      assert.deepEqual(
        [event.stack, event.result, event.commit, event.title, event.recovered],
        [name, "deployed", commit, `${name} deployed`, false],
      );
      assert.equal(event.tree, await repo.tree(name));

      const discord = JSON.parse(receiver.at("/discord")[0]!.body);
      assert.equal(discord.content, `${name} deployed`);
      assert.equal(discord.embeds[0].title, `${name} deployed`);
      assert.equal(discord.embeds[0].color, 0x2ecc71);
      assert.match(discord.embeds[0].description, new RegExp(`commit ${commit.slice(0, 7)}`));

      const slack = JSON.parse(receiver.at("/slack")[0]!.body);
      assert.equal(slack.text, `${name} deployed: healthy`);
      assert.equal(slack.blocks[0].type, "header");

      const ntfy = receiver.at("/ntfy")[0]!;
      assert.equal(ntfy.headers.title, `${name} deployed`);
      assert.equal(ntfy.headers.authorization, "Bearer tk_x");
      assert.match(ntfy.body, /^healthy\ncommit /);

      const gotify = receiver.at("/gotify/message")[0]!;
      assert.equal(gotify.search, "?token=APPTOKEN");
      assert.deepEqual(
        Object.keys(JSON.parse(gotify.body)),
        ["title", "message", "priority", "extras"],
      );

      const exec = JSON.parse(await Deno.readTextFile(join(dir, "event.json")));
      assert.equal(exec.stack, name);
      assert.equal(receiver.at("/failures").length, 0, "on: [rolled_back, failed] skips a deploy");

      await repo.commit(stackFiles(name, webCompose({ healthy: false })));
      const broken = await ws.run(["run"]);
      assert.equal(broken.code, 1);
      const failures = receiver.at("/failures");
      assert.equal(failures.length, 1);
      assert.equal(JSON.parse(failures[0]!.body).title, `${name} rolled back`);
      assert.equal(JSON.parse(receiver.at("/discord")[1]!.body).embeds[0].color, 0xe74c3c);

      // Marked bad: the next run skips it, which is no news.
      const before = receiver.received.length;
      assert.equal((await ws.run(["run"])).code, 1);
      assert.equal(receiver.received.length, before);
    }),
});

Deno.test({
  name: "run with dead targets (refused, never answering) still deploys and ends, exit 0",
  ignore,
  fn: () =>
    scene((r) => ({
      notify: [
        `http://127.0.0.1:${closedPort()}/api/webhooks/1/SECRETTOKEN`,
        { url: r.url("/hang/topic"), format: "ntfy", headers: { Authorization: "Bearer HIDDEN" } },
        r.url("/alive"),
      ],
    }), async ({ name, ws, receiver }) => {
      // How long the batch may take is the Notifier's deadline, unit-tested with a fake
      // clock; here: a target that never answers does not keep the run from ending.
      const r = await ws.run(["run"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^${name}\\s+deployed`));
      const [entry] = await history(ws);
      assert.equal(entry?.result, "deployed");
      const warnings = r.stderr.trim().split("\n");
      assert.equal(warnings.length, 2, r.stderr);
      assert.match(
        warnings[0]!,
        /notify\[0\] json http:\/\/127\.0\.0\.1:\d+: ".*" not sent: .*\(3 attempts\)/,
      );
      assert.match(
        warnings[1]!,
        /notify\[1\] ntfy http:\/\/127\.0\.0\.1:\d+: ".*" not sent: no answer/,
      );
      assert.doesNotMatch(r.stderr, /SECRETTOKEN|HIDDEN|webhooks/);
      assert.equal(receiver.at("/alive").length, 1, "a live target is not held up by dead ones");
    }),
});

Deno.test({
  name: "run reports an unchanged failing version once across three runs, then the recovery",
  ignore,
  fn: () =>
    // mark_bad off: the version is tried (and rolled back) on every run.
    scene((r) => ({ mark_bad: false, notify: [r.url("/events")] }), async (s) => {
      assert.equal((await s.ws.run(["run"])).code, 0);
      await s.repo.commit(stackFiles(s.name, webCompose({ healthy: false })));
      for (let i = 0; i < 3; i++) assert.equal((await s.ws.run(["run"])).code, 1);
      await s.repo.commit(stackFiles(s.name, webCompose({ extra: "    labels: [fixed]\n" })));
      assert.equal((await s.ws.run(["run"])).code, 0);

      const results = (await history(s.ws)).map((e) => e.result);
      assert.deepEqual(results, [
        "deployed",
        "rolled_back",
        "rolled_back",
        "rolled_back",
        "deployed",
      ]);
      const titles = s.receiver.at("/events").map((r) => JSON.parse(r.body).title);
      assert.deepEqual(titles, [
        `${s.name} deployed`,
        `${s.name} rolled back`,
        `${s.name} recovered: deployed`,
      ]);
    }),
});

Deno.test({
  name: "rollback NAME sends its outcome like a run's",
  ignore,
  fn: () =>
    scene((r) => ({ notify: [r.url("/events")] }), async (s) => {
      const v1 = await git(s.repo.work, "rev-parse", "HEAD");
      assert.equal((await s.ws.run(["run"])).code, 0);
      // Deployed blind, v2 is never seen healthy: good_stacks keeps v1.
      await s.repo.commit({
        [`${s.name}/compose.yaml`]: webCompose({ extra: "    labels: [v2]\n" }),
        [`${s.name}/deploy.yaml`]: "method: blind\n",
      });
      assert.equal((await s.ws.run(["run"])).code, 0);

      const back = await s.ws.run(["rollback", s.name]);
      assert.equal(back.code, 0, back.stderr);
      const events = s.receiver.at("/events").map((r) => JSON.parse(r.body));
      assert.deepEqual(events.map((e) => e.title), [
        `${s.name} deployed`,
        `${s.name} deployed`,
        `${s.name} rolled back`,
      ]);
      assert.equal(events[2].commit, v1);
      assert.equal(events[2].message, `rolled back by hand to ${v1.slice(0, 7)}: healthy`);
      assert.deepEqual((await history(s.ws)).map((e) => e.result), [
        "deployed",
        "deployed",
        "rolled_back",
      ]);
    }),
});
