import assert from "node:assert/strict";
import {
  buildRequest,
  gotifyUrl,
  guessFormat,
  makeEvent,
  messageOf,
  titleOf,
} from "../../lib/notify/mod.ts";
import type { HistoryEntry } from "../../lib/outcome.ts";

function entry(extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    time: "2026-03-01T10:00:00.000Z",
    stack: "web",
    commit: "0123456789abcdef",
    tree: "feedbeef",
    method: "simple",
    result: "rolled_back",
    duration_ms: 4200,
    message: "not healthy after 60s; version marked bad; back on 89abcde",
    services: [{ service: "app", state: "unhealthy", detail: "wget: 404 Not Found" }],
    project: "web",
    ...extra,
  };
}

const rolledBack = makeEvent(entry(), false, "vps1");
const recovered = makeEvent(
  entry({ result: "deployed", message: "healthy", services: [] }),
  true,
  "vps1",
);

Deno.test("titleOf() names the stack and the result, and marks a recovery", () => {
  assert.equal(titleOf({ stack: "web", result: "rolled_back" }, false), "web rolled back");
  assert.equal(titleOf({ stack: "web", result: "deployed" }, false), "web deployed");
  assert.equal(titleOf({ stack: "web", result: "deployed" }, true), "web recovered: deployed");
  assert.equal(
    titleOf({ stack: "db", result: "skipped_bad" }, false),
    "db skipped (version marked bad)",
  );
});

Deno.test("messageOf() gives the reason, the commit, the host and the services at fault", () => {
  assert.equal(
    messageOf(rolledBack),
    [
      "not healthy after 60s; version marked bad; back on 89abcde",
      "commit 0123456 on vps1 (simple)",
      "services at fault:",
      "- app: unhealthy (wget: 404 Not Found)",
    ].join("\n"),
  );
  assert.equal(messageOf(recovered), "healthy\ncommit 0123456 on vps1 (simple)");
});

Deno.test("guessFormat() knows Discord, Slack, ntfy.sh and Gotify's /message, else json", () => {
  assert.equal(guessFormat("https://discord.com/api/webhooks/1/tok"), "discord");
  assert.equal(guessFormat("https://canary.discordapp.com/api/webhooks/1/tok"), "discord");
  assert.equal(guessFormat("https://hooks.slack.com/services/T/B/x"), "slack");
  assert.equal(guessFormat("https://ntfy.sh/my-topic"), "ntfy");
  assert.equal(guessFormat("https://gotify.example.com/message?token=abc"), "gotify");
  assert.equal(guessFormat("https://ntfy.example.com/my-topic"), "json");
  assert.equal(guessFormat("https://example.com/hook"), "json");
  assert.equal(guessFormat("https://evil-discord.com.example/x"), "json");
});

Deno.test("buildRequest(json) POSTs the event: the history line, recovered, host and title", () => {
  const request = buildRequest("json", "http://127.0.0.1:1/hook", rolledBack);
  assert.equal(request.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(request.body), {
    ...entry(),
    recovered: false,
    host: "vps1",
    title: "web rolled back",
  });
});

Deno.test("buildRequest(discord) sends content and one embed with a colour per severity", () => {
  const body = JSON.parse(
    buildRequest("discord", "https://discord.com/api/webhooks/1/t", rolledBack).body,
  );
  assert.deepEqual(body, {
    content: "web rolled back",
    embeds: [{
      title: "web rolled back",
      description: messageOf(rolledBack),
      color: 0xe74c3c,
      timestamp: "2026-03-01T10:00:00.000Z",
    }],
    allowed_mentions: { parse: [] },
  });
  const ok = JSON.parse(buildRequest("discord", "https://discord.com/x", recovered).body);
  assert.equal(ok.embeds[0].color, 0x2ecc71);
  assert.equal(ok.content, "web recovered: deployed");
});

Deno.test("buildRequest(slack) sends text and header + mrkdwn blocks, escaped", () => {
  const event = makeEvent(entry({ message: "pre_deploy failed: <oops> & more" }), false, "h");
  const body = JSON.parse(buildRequest("slack", "https://hooks.slack.com/services/x", event).body);
  assert.equal(body.text, "web rolled back: pre_deploy failed: &lt;oops&gt; &amp; more");
  assert.deepEqual(body.blocks[0], {
    type: "header",
    text: { type: "plain_text", text: ":rotating_light: web rolled back", emoji: true },
  });
  assert.equal(body.blocks[1].type, "section");
  assert.equal(body.blocks[1].text.type, "mrkdwn");
  assert.match(body.blocks[1].text.text, /^pre_deploy failed: &lt;oops&gt; &amp; more\n/);
});

Deno.test("buildRequest(ntfy) puts the message in the body and title, priority, tags in headers", () => {
  const request = buildRequest("ntfy", "https://ntfy.sh/ops", rolledBack);
  assert.equal(request.url, "https://ntfy.sh/ops");
  assert.equal(request.body, messageOf(rolledBack));
  assert.equal(request.headers.title, "web rolled back");
  assert.equal(request.headers.priority, "4");
  assert.equal(request.headers.tags, "rotating_light,autostack");
  const ok = buildRequest("ntfy", "https://ntfy.sh/ops", recovered);
  assert.equal(ok.headers.priority, "3");
  assert.equal(ok.headers.tags, "white_check_mark,autostack");
});

Deno.test("buildRequest(gotify) POSTs title, message and priority to /message", () => {
  const request = buildRequest("gotify", "https://push.example.com/message?token=T", rolledBack);
  assert.equal(request.url, "https://push.example.com/message?token=T");
  assert.deepEqual(JSON.parse(request.body), {
    title: "web rolled back",
    message: messageOf(rolledBack),
    priority: 8,
    extras: { "client::display": { contentType: "text/plain" } },
  });
});

Deno.test("gotifyUrl() appends /message to a server URL and keeps the token", () => {
  assert.equal(gotifyUrl("https://g.example.com?token=T"), "https://g.example.com/message?token=T");
  assert.equal(gotifyUrl("https://g.example.com/gotify/"), "https://g.example.com/gotify/message");
  assert.equal(gotifyUrl("https://g.example.com/message"), "https://g.example.com/message");
});

Deno.test("buildRequest() lets the target's own headers win over the format's", () => {
  const request = buildRequest("ntfy", "https://ntfy.sh/ops", rolledBack, {
    Authorization: "Bearer tk_secret",
    Priority: "5",
  });
  assert.equal(request.headers.authorization, "Bearer tk_secret");
  assert.equal(request.headers.priority, "5");
});

Deno.test("buildRequest(discord) clips a long message to Discord's limits", () => {
  const event = makeEvent(entry({ message: "x".repeat(5000) }), false, "h");
  const body = JSON.parse(buildRequest("discord", "https://discord.com/x", event).body);
  assert.equal(body.embeds[0].description.length, 4096);
  assert.ok(body.embeds[0].description.endsWith("…"));
});
