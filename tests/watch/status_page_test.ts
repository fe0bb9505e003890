import assert from "node:assert/strict";
import type { StackStatus } from "../../lib/commands/mod.ts";
import type { HistoryEntry, Result } from "../../lib/outcome.ts";
import {
  escapeHtml,
  renderStatusPage,
  resultClass,
  type StatusPageData,
  timelines,
} from "../../lib/watch/mod.ts";

const NOW = new Date("2026-12-01T12:00:00Z");

function stack(name: string, over: Partial<StackStatus> = {}): StackStatus {
  return {
    stack: name,
    project: name,
    commit: "3f9a2c1aa0000000000000000000000000000000",
    tree: "7d1e4a0bb0000000000000000000000000000000",
    pending: false,
    health: "healthy",
    services: "2/2",
    last_result: "deployed",
    last_time: "2026-12-01T11:58:00Z",
    last_message: "healthy",
    bad: null,
    ...over,
  };
}

function entry(name: string, result: Result, minute: number): HistoryEntry {
  return {
    time: `2026-12-01T11:${String(minute).padStart(2, "0")}:00Z`,
    stack: name,
    commit: "3f9a2c1aa0000000000000000000000000000000",
    tree: "7d1e4a0bb0000000000000000000000000000000",
    method: "simple",
    result,
    duration_ms: 1000,
    message: result,
    services: [],
  };
}

function page(over: Partial<StatusPageData> = {}): string {
  return renderStatusPage({
    host: "alpha",
    version: "autostack 0.1.0 (built from commit 84fa9d2773a5)",
    now: NOW,
    refreshSeconds: 15,
    stacks: [stack("web")],
    history: new Map([["web", [entry("web", "deployed", 58), entry("web", "rolled_back", 50)]]]),
    nextRunAt: NOW.getTime() + 90_000,
    lastRun: null,
    alive: true,
    ...over,
  });
}

Deno.test("renderStatusPage() is a small HTML page that reloads itself and runs no script", () => {
  const html = page();
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<meta http-equiv="refresh" content="15">/);
  assert.match(html, /<meta name="viewport" content="width=device-width,initial-scale=1">/);
  assert.doesNotMatch(html, /<script/i);
  assert.ok(html.length < 6_000, `${html.length} bytes`);
});

Deno.test("renderStatusPage() shows a stack's health, version, last result and its timeline newest first", () => {
  const html = page();
  assert.match(html, /<section class="stack" data-stack="web" data-health="healthy">/);
  assert.match(html, /<dd class="ok">healthy <span class="msg">2\/2<\/span><\/dd>/);
  assert.match(html, /<dt>Version<\/dt><dd>3f9a2c1 <span class="msg">tree 7d1e4a0<\/span><\/dd>/);
  assert.match(html, /<dd><span class="ok">deployed<\/span> 2026-12-01 11:58:00 UTC \(2m00s ago\)/);
  assert.deepEqual(
    [...html.matchAll(/<li class="(\w+)" data-result="(\w+)"/g)].map((m) => [m[1], m[2]]),
    [
      ["ok", "deployed"],
      ["warn", "rolled_back"],
    ],
  );
});

Deno.test("renderStatusPage() shows a bad mark, a deploy in flight and a stack known only from history", () => {
  const marked = stack("api", {
    pending: true,
    health: "unhealthy: web: unhealthy (probe exit code 1)",
    bad: {
      tree: "aaaaaaa0000",
      commit: "bbbbbbb0000",
      marked_at: "2026-12-01T11:59:00Z",
      reason: "not healthy",
    },
  });
  const html = page({
    stacks: [marked],
    history: new Map([["gone", [entry("gone", "removed", 1)]]]),
  });
  assert.match(
    html,
    /data-stack="api" data-health="unhealthy: web: unhealthy \(probe exit code 1\)"/,
  );
  assert.match(html, /<dd class="bad">unhealthy/);
  assert.match(html, /deploying or interrupted/);
  assert.match(html, /<dt>Bad<\/dt><dd><span class="bad">aaaaaaa: not healthy<\/span>/);
  assert.match(html, /data-stack="gone" data-health="not deployed"/);
  assert.match(html, /<li class="gone" data-result="removed"/);
});

Deno.test("renderStatusPage() shows the run in progress, else the next run, and the last run", () => {
  const running = page({
    run: { reason: "push to refs/heads/main", since: NOW.getTime() - 5_000 },
  });
  assert.match(
    running,
    /Running now<\/strong> \(push to refs\/heads\/main\), started 2026-12-01 11:59:55 UTC \(5\.0s ago\)/,
  );
  const idle = page({
    lastRun: {
      time: "2026-12-01T11:59:00Z",
      result: "error",
      code: null,
      duration_ms: 10,
      reason: "interval",
      error: "git fetch failed",
    },
  });
  assert.match(
    idle,
    /Idle\.<\/span> Next run <span id="next">2026-12-01 12:01:30 UTC \(in 1m30s\)<\/span>/,
  );
  assert.match(
    idle,
    /Last run: <span class="bad">error<\/span> .*: <span class="msg">git fetch failed<\/span>/,
  );
  assert.match(page({ alive: false }), /Stopping\./);
});

Deno.test("renderStatusPage() escapes every value it shows", () => {
  const evil = '<img src=x onerror="alert(1)">&';
  const html = page({
    host: evil,
    stacks: [stack(evil, { last_message: evil, health: evil })],
    history: new Map(),
  });
  assert.ok(!html.includes("<img"), html);
  assert.match(html, /&#60;img src=x onerror=&#34;alert\(1\)&#34;&#62;&#38;/);
});

Deno.test("escapeHtml() escapes the five HTML characters", () => {
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&</a>`),
    "&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;",
  );
});

Deno.test("resultClass() colours deploys green, rollbacks and skips amber, failures red, removals grey", () => {
  assert.equal(resultClass("deployed"), "ok");
  assert.equal(resultClass("rolled_back"), "warn");
  assert.equal(resultClass("skipped_bad"), "warn");
  for (const r of ["failed", "refused", "script_error"] as const) {
    assert.equal(resultClass(r), "bad");
  }
  assert.equal(resultClass("removed"), "gone");
});

Deno.test("timelines() keeps each stack's newest entries, newest first", () => {
  const entries = [
    entry("a", "deployed", 9),
    entry("b", "failed", 8),
    entry("a", "failed", 7),
    entry("a", "removed", 6),
  ];
  const t = timelines(entries, 2);
  assert.deepEqual(t.get("a")!.map((e) => e.result), ["deployed", "failed"]);
  assert.deepEqual(t.get("b")!.map((e) => e.result), ["failed"]);
});
