import { fakeRunner, memoryLogger } from "../_fakes.ts";
import assert from "node:assert/strict";
import type { NotifyTarget } from "../../lib/config/mod.ts";
import {
  decideNotifications,
  Notifier,
  type NotifierOptions,
  scrubUrls,
  targetLabel,
  wantsResult,
} from "../../lib/notify/mod.ts";
import type { HistoryEntry, Result } from "../../lib/outcome.ts";

function entry(result: Result, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    time: "2026-03-01T10:00:00.000Z",
    stack: "web",
    commit: "c0ffee00",
    tree: "tree1",
    method: "simple",
    result,
    duration_ms: 1000,
    message: result === "deployed" ? "healthy" : "not healthy",
    services: [],
    ...extra,
  };
}

Deno.test("decideNotifications() sends a first outcome of any kind", () => {
  for (const result of ["deployed", "rolled_back", "failed", "skipped_bad", "removed"] as const) {
    assert.deepEqual(decideNotifications(undefined, entry(result)), {
      send: true,
      recovered: false,
    });
  }
});

Deno.test("decideNotifications() sends a deploy after a deploy: a deploy is news", () => {
  const previous = entry("deployed", { tree: "tree0" });
  assert.deepEqual(decideNotifications(previous, entry("deployed")), {
    send: true,
    recovered: false,
  });
});

Deno.test("decideNotifications() marks the first success after a failure as a recovery", () => {
  for (const result of ["rolled_back", "failed", "skipped_bad", "script_error"] as const) {
    assert.deepEqual(
      decideNotifications(entry(result, { tree: "tree0" }), entry("deployed")),
      { send: true, recovered: true },
      result,
    );
  }
});

Deno.test("decideNotifications() does not repeat the same failure of the same version", () => {
  const cases: [Result, Result][] = [
    ["rolled_back", "skipped_bad"],
    ["failed", "skipped_bad"],
    ["skipped_bad", "skipped_bad"],
    ["rolled_back", "rolled_back"], // mark_bad off: tried and rolled back on every run
    ["failed", "failed"],
    ["script_error", "script_error"], // a failing pre_deploy is retried on every run
  ];
  for (const [before, now] of cases) {
    assert.deepEqual(
      decideNotifications(entry(before), entry(now)),
      { send: false, recovered: false },
      `${before} → ${now}`,
    );
  }
});

Deno.test("decideNotifications() sends a failure that changed: a new version or another result", () => {
  assert.equal(
    decideNotifications(entry("rolled_back", { tree: "tree0" }), entry("rolled_back")).send,
    true,
  );
  assert.equal(decideNotifications(entry("rolled_back"), entry("failed")).send, true);
  assert.equal(decideNotifications(entry("script_error"), entry("rolled_back")).send, true);
  assert.equal(decideNotifications(entry("deployed"), entry("rolled_back")).send, true);
});

Deno.test("wantsResult() applies a target's `on` list; without one every result goes", () => {
  const all: NotifyTarget = { url: "http://127.0.0.1:1/" };
  const failures: NotifyTarget = { url: "http://127.0.0.1:1/", on: ["rolled_back", "failed"] };
  const exec: NotifyTarget = { exec: "true", on: ["deployed"] };
  assert.equal(wantsResult(all, "deployed"), true);
  assert.equal(wantsResult(failures, "rolled_back"), true);
  assert.equal(wantsResult(failures, "deployed"), false);
  assert.equal(wantsResult(exec, "deployed"), true);
  assert.equal(wantsResult(exec, "failed"), false);
});

Deno.test("targetLabel() and scrubUrls() never show a token of a URL", () => {
  const discord = { url: "https://discord.com/api/webhooks/123/SECRETTOKEN" };
  assert.equal(targetLabel(discord, 0), "notify[0] discord https://discord.com");
  assert.equal(
    targetLabel({ url: "https://user:pw@gotify.example.com/message?token=SECRET" }, 2),
    "notify[2] gotify https://gotify.example.com",
  );
  assert.equal(targetLabel({ exec: "curl -H 'X: SECRET' x" }, 1), "notify[1] exec");
  const message = "error sending request for url (https://u:p@hooks.slack.com/services/T/B/SECRET)";
  const scrubbed = scrubUrls(message);
  assert.doesNotMatch(scrubbed, /SECRET|u:p/);
  assert.equal(scrubbed, "error sending request for url (https://hooks.slack.com/…)");
});

/** A fetch that answers from a list of statuses (or throws for "refused"), recording calls. */
function fakeFetch(answers: (number | "refused")[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn: typeof fetch = (input, init) => {
    calls.push({ url: String(input), init: init ?? {} });
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
    if (answer === "refused") {
      return Promise.reject(new TypeError(`error sending request for url (${String(input)})`));
    }
    return Promise.resolve(new Response("", { status: answer }));
  };
  return { fn, calls };
}

function notifier(targets: NotifyTarget[], extra: Partial<NotifierOptions> = {}) {
  const logger = memoryLogger();
  const runner = fakeRunner(() => ({ code: 0 }));
  const n = new Notifier({
    targets,
    runner,
    logger,
    hostname: "vps1",
    backoffMs: [10, 20],
    ...extra,
  });
  return { n, logger, runner };
}

Deno.test("Notifier retries a failing target with backoff, then logs without the token", async () => {
  const { fn, calls } = fakeFetch([500, "refused", 503]);
  const url = "http://127.0.0.1:9/api/webhooks/1/SECRETTOKEN";
  const { n, logger } = notifier([{ url, format: "discord" }], { fetch: fn });
  await n.notify(entry("rolled_back"), undefined);
  assert.equal(calls.length, 3);
  assert.equal(logger.lines.length, 1);
  assert.equal(
    logger.lines[0],
    'autostack: warning: notify: notify[0] discord http://127.0.0.1:9: "web rolled back" not sent: HTTP 503 (3 attempts)',
  );
  assert.doesNotMatch(logger.lines.join("\n"), /SECRETTOKEN/);
});

Deno.test("Notifier stops at a failure no retry can fix (HTTP 404) and at success", async () => {
  const notFound = fakeFetch([404]);
  const a = notifier([{ url: "http://127.0.0.1:9/x" }], { fetch: notFound.fn });
  await a.n.notify(entry("deployed"), undefined);
  assert.equal(notFound.calls.length, 1);
  assert.match(a.logger.lines[0]!, /not sent: HTTP 404$/);

  const flaky = fakeFetch([502, 200]);
  const b = notifier([{ url: "http://127.0.0.1:9/x" }], { fetch: flaky.fn });
  await b.n.notify(entry("deployed"), undefined);
  assert.equal(flaky.calls.length, 2);
  assert.deepEqual(b.logger.lines, [
    'autostack: notify: notify[0] json http://127.0.0.1:9: "web deployed" sent',
  ]);
});

Deno.test("Notifier sends each target its format and headers, and skips what `on` filters", async () => {
  const { fn, calls } = fakeFetch([200]);
  const { n, runner } = notifier([
    { url: "http://127.0.0.1:9/a", headers: { Authorization: "Bearer x" } },
    { url: "http://127.0.0.1:9/b", format: "ntfy", on: ["failed"] },
    { exec: "cat > /dev/null", on: ["deployed"] },
  ], { fetch: fn });
  await n.notify(entry("deployed"), entry("rolled_back", { tree: "tree0" }));
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.url, "http://127.0.0.1:9/a");
  const headers = new Headers(calls[0]!.init.headers);
  assert.equal(headers.get("authorization"), "Bearer x");
  const sent = JSON.parse(String(calls[0]!.init.body));
  assert.equal(sent.title, "web recovered: deployed");
  assert.equal(sent.recovered, true);
  assert.equal(runner.calls.length, 1);
  assert.deepEqual(runner.calls[0]!.cmd, ["sh", "-c", "cat > /dev/null"]);
  assert.equal(JSON.parse(runner.calls[0]!.options.stdin ?? "").stack, "web");
});

Deno.test("Notifier sends nothing for an outcome that is no news", async () => {
  const { fn, calls } = fakeFetch([200]);
  const { n } = notifier([{ url: "http://127.0.0.1:9/a" }], { fetch: fn });
  await n.notify(entry("skipped_bad"), entry("rolled_back"));
  assert.equal(calls.length, 0);
});

Deno.test("Notifier gives up at its deadline on a target that never answers", async () => {
  const hang: typeof fetch = (_input, init) =>
    new Promise((_resolve, reject) => {
      init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
    });
  const { n, logger } = notifier([{ url: "http://127.0.0.1:9/a" }], {
    fetch: hang,
    attemptTimeoutMs: 100,
    deadlineMs: 300,
  });
  const started = performance.now();
  await n.notify(entry("failed"), undefined);
  const took = performance.now() - started;
  assert.ok(took < 600, `took ${took} ms`);
  assert.match(logger.lines.join("\n"), /"web failed" not sent: no answer/);
});

Deno.test("Notifier logs an exec target's failure by exit code, not by its command", async () => {
  const logger = memoryLogger();
  const runner = fakeRunner(() => ({ code: 3, stderr: "boom\n" }));
  const n = new Notifier({
    targets: [{ exec: "notify-send --token SECRET" }],
    runner,
    logger,
    hostname: "h",
    backoffMs: [1, 1],
  });
  await n.notify(entry("failed"), undefined);
  assert.equal(runner.calls.length, 3);
  assert.deepEqual(logger.lines, [
    'autostack: warning: notify: notify[0] exec: "web failed" not sent: exit code 3: boom (3 attempts)',
  ]);
});
