import { memoryLogger } from "../_fakes.ts";
import assert from "node:assert/strict";
import {
  BodyBudget,
  hmacSha256Hex,
  MAX_BODY_BYTES,
  Metrics,
  route,
  type WatchStatus,
} from "../../lib/watch/mod.ts";

const status: WatchStatus = {
  alive: true,
  running: false,
  runs: 2,
  started: "2026-03-01T10:00:00.000Z",
  last_run: {
    time: "2026-03-01T10:01:00.000Z",
    result: "ok",
    code: 0,
    duration_ms: 1200,
    reason: "interval",
  },
};

function options(secret?: string) {
  const triggers: string[] = [];
  const logger = memoryLogger();
  return {
    triggers,
    logger,
    options: {
      secret,
      metrics: new Metrics(),
      statusPage: () => Promise.resolve("<!doctype html><p>page</p>"),
      status: () => status,
      trigger: (reason: string) => void triggers.push(reason),
      logger,
    },
  };
}

const at = (path: string, init?: RequestInit) => new Request(`http://127.0.0.1${path}`, init);

Deno.test("route() GET /healthz gives the loop's state; 503 once it stopped", async () => {
  const { options: o } = options();
  const response = await route(at("/healthz"), o);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: "ok", ...status });
  const stopped = await route(at("/healthz"), {
    ...o,
    status: () => ({ ...status, alive: false }),
  });
  assert.equal(stopped.status, 503);
  await stopped.body?.cancel();
});

Deno.test("route() GET /metrics gives Prometheus text", async () => {
  const { options: o } = options();
  const response = await route(at("/metrics"), o);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
  assert.match(await response.text(), /# TYPE autostack_runs_total counter/);
});

Deno.test("route() answers 404 to unknown paths and 405 to wrong methods", async () => {
  const { options: o } = options("s");
  for (
    const [path, method, code] of [
      ["/nope", "GET", 404],
      ["/metrics", "POST", 405],
      ["/hooks/git", "GET", 405],
    ] as const
  ) {
    const response = await route(at(path, { method }), o);
    assert.equal(response.status, code, `${method} ${path}`);
    await response.body?.cancel();
  }
});

Deno.test("route() POST /hooks/git is off (404) without webhook_secret", async () => {
  const { options: o, triggers } = options();
  const response = await route(at("/hooks/git", { method: "POST", body: "{}" }), o);
  assert.equal(response.status, 404);
  await response.body?.cancel();
  assert.deepEqual(triggers, []);
});

Deno.test("route() POST /hooks/git triggers on a signed push and logs a rejected one", async () => {
  const { options: o, triggers, logger } = options("s");
  const body = JSON.stringify({ ref: "refs/heads/main" });
  const mac = await hmacSha256Hex("s", new TextEncoder().encode(body));
  const good = await route(
    at("/hooks/git", { method: "POST", body, headers: { "x-gitea-signature": mac } }),
    o,
    "10.0.0.5:4711",
  );
  assert.equal(good.status, 202);
  await good.body?.cancel();
  assert.deepEqual(triggers, ["push to refs/heads/main"]);
  const bad = await route(at("/hooks/git", { method: "POST", body }), o, "10.0.0.6:1");
  assert.equal(bad.status, 401);
  await bad.body?.cancel();
  assert.equal(triggers.length, 1);
  assert.match(logger.lines.join("\n"), /push from 10\.0\.0\.6:1 rejected/);
});

Deno.test("route() POST /hooks/git answers 503 with Retry-After when the bodies in flight fill the budget", async () => {
  const { options: o, triggers } = options("s");
  const bodyBudget = new BodyBudget(MAX_BODY_BYTES);
  bodyBudget.take(MAX_BODY_BYTES - 10);
  const body = JSON.stringify({ ref: "refs/heads/main" });
  const mac = await hmacSha256Hex("s", new TextEncoder().encode(body));
  const headers = { "x-gitea-signature": mac, "content-length": String(body.length) };
  const busy = await route(at("/hooks/git", { method: "POST", body, headers }), {
    ...o,
    bodyBudget,
  });
  assert.equal(busy.status, 503);
  assert.equal(busy.headers.get("retry-after"), "5");
  assert.deepEqual(await busy.json(), { error: "too many webhook bodies at once, retry later" });
  bodyBudget.give(MAX_BODY_BYTES - 10);
  const good = await route(at("/hooks/git", { method: "POST", body, headers }), {
    ...o,
    bodyBudget,
  });
  assert.equal(good.status, 202);
  assert.equal(good.headers.get("retry-after"), null);
  await good.body?.cancel();
  assert.deepEqual(triggers, ["push to refs/heads/main"]);
  assert.equal(bodyBudget.inUse, 0);
});

Deno.test("route() GET / serves the status page as HTML; 405 to other methods", async () => {
  const { options: o } = options();
  const response = await route(at("/"), o);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.equal(await response.text(), "<!doctype html><p>page</p>");
  const post = await route(at("/", { method: "POST" }), o);
  assert.equal(post.status, 405);
  await post.body?.cancel();
});

Deno.test("route() GET / needs status_token when it is set: 401 without it, the page with it", async () => {
  const { options: o } = options();
  const guarded = { ...o, statusToken: "t0ken" };
  const denied = await route(at("/"), guarded);
  assert.equal(denied.status, 401);
  assert.equal(denied.headers.get("www-authenticate"), 'Bearer realm="autostack"');
  assert.doesNotMatch(await denied.text(), /<p>page/);
  const allowed = await route(at("/?token=t0ken"), guarded);
  assert.equal(allowed.status, 200);
  assert.equal(await allowed.text(), "<!doctype html><p>page</p>");
});
