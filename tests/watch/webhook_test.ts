import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/mod.ts";
import {
  BodyBudget,
  branchWanted,
  handlePush,
  hasSignature,
  hmacSha256Hex,
  MAX_BODIES_BYTES,
  MAX_BODY_BYTES,
  NO_SECRET,
  parsePush,
  readBodyCapped,
  timingSafeEqual,
  verifyPush,
} from "../../lib/watch/mod.ts";

const SECRET = "s3cret";
const encode = (text: string) => new TextEncoder().encode(text);
const githubPush = JSON.stringify({
  ref: "refs/heads/main",
  repository: { full_name: "ops/stacks", default_branch: "main" },
});

Deno.test("hmacSha256Hex() matches the HMAC-SHA256 test vector of RFC 4231 (case 2)", async () => {
  assert.equal(
    await hmacSha256Hex("Jefe", encode("what do ya want for nothing?")),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
});

Deno.test("timingSafeEqual() compares bytes, different lengths included", () => {
  assert.equal(timingSafeEqual(encode("abc"), encode("abc")), true);
  assert.equal(timingSafeEqual(encode("abc"), encode("abd")), false);
  assert.equal(timingSafeEqual(encode("abc"), encode("abcd")), false);
});

Deno.test("verifyPush() accepts GitHub's sha256= signature and rejects a wrong one", async () => {
  const body = encode(githubPush);
  const mac = await hmacSha256Hex(SECRET, body);
  const ok = new Headers({ "x-hub-signature-256": `sha256=${mac}` });
  assert.equal(await verifyPush(SECRET, ok, body), true);
  const upper = new Headers({ "x-hub-signature-256": `sha256=${mac.toUpperCase()}` });
  assert.equal(await verifyPush(SECRET, upper, body), true);
  const other = await hmacSha256Hex("other", body);
  assert.equal(
    await verifyPush(SECRET, new Headers({ "x-hub-signature-256": `sha256=${other}` }), body),
    false,
  );
  // The signature of another body (a replayed header with a changed payload).
  assert.equal(await verifyPush(SECRET, ok, encode(githubPush + " ")), false);
  assert.equal(await verifyPush(SECRET, new Headers({ "x-hub-signature-256": mac }), body), false);
  assert.equal(await verifyPush(SECRET, new Headers(), body), false);
});

Deno.test("verifyPush() accepts Gitea, Forgejo and Gogs hex signatures without prefix", async () => {
  const body = encode(githubPush);
  const mac = await hmacSha256Hex(SECRET, body);
  for (const name of ["x-gitea-signature", "x-forgejo-signature", "x-gogs-signature"]) {
    assert.equal(await verifyPush(SECRET, new Headers({ [name]: mac }), body), true, name);
    assert.equal(await verifyPush(SECRET, new Headers({ [name]: "00" }), body), false, name);
  }
});

Deno.test("verifyPush() accepts GitLab's token only when it equals the secret", async () => {
  const body = encode("{}");
  assert.equal(await verifyPush(SECRET, new Headers({ "x-gitlab-token": SECRET }), body), true);
  assert.equal(await verifyPush(SECRET, new Headers({ "x-gitlab-token": "s3cre" }), body), false);
  assert.equal(await verifyPush(SECRET, new Headers({ "x-gitlab-token": "" }), body), false);
});

Deno.test("parsePush() reads ref and default branch from GitHub, GitLab and form bodies", () => {
  assert.deepEqual(parsePush(encode(githubPush), "application/json"), {
    ref: "refs/heads/main",
    deleted: false,
    defaultBranch: "main",
  });
  const gitlab = {
    object_kind: "push",
    ref: "refs/heads/dev",
    project: { default_branch: "trunk" },
  };
  assert.deepEqual(parsePush(encode(JSON.stringify(gitlab)), "application/json"), {
    ref: "refs/heads/dev",
    deleted: false,
    defaultBranch: "trunk",
  });
  const form = `payload=${encodeURIComponent(JSON.stringify({ ref: "refs/heads/x" }))}`;
  assert.deepEqual(parsePush(encode(form), "application/x-www-form-urlencoded"), {
    ref: "refs/heads/x",
    deleted: false,
  });
  assert.equal(parsePush(encode("not json"), null), undefined);
  assert.equal(parsePush(encode('{"zen":"hi"}'), null), undefined);
  assert.equal(parsePush(encode('{"ref": 3}'), null), undefined);
});

Deno.test("branchWanted() follows the configured branch, else the default, else any branch", () => {
  assert.equal(branchWanted("refs/heads/main", "main"), true);
  assert.equal(branchWanted("refs/heads/dev", "main", "dev"), false);
  assert.equal(branchWanted("refs/heads/main", undefined, "main"), true);
  assert.equal(branchWanted("refs/heads/feature", undefined, "main"), false);
  assert.equal(branchWanted("refs/heads/feature", undefined, undefined), true);
  assert.equal(branchWanted("refs/tags/v1", undefined, undefined), false);
});

function request(body: BodyInit, headers: Record<string, string>) {
  return new Request("http://127.0.0.1/hooks/git", { method: "POST", body, headers });
}

async function signed(body: string, extra: Record<string, string> = {}) {
  const mac = await hmacSha256Hex(SECRET, encode(body));
  return request(body, { "x-hub-signature-256": `sha256=${mac}`, ...extra });
}

Deno.test("handlePush() triggers on a signed push to the branch, 202", async () => {
  const verdict = await handlePush(await signed(githubPush, { "x-github-event": "push" }), {
    secret: SECRET,
  });
  assert.deepEqual(verdict, {
    status: 202,
    body: { accepted: "refs/heads/main" },
    trigger: "push to refs/heads/main",
  });
});

Deno.test("handlePush() refuses a missing or wrong signature with 401 and no trigger", async () => {
  const none = await handlePush(request(githubPush, {}), { secret: SECRET });
  assert.equal(none.status, 401);
  assert.equal(none.trigger, undefined);
  const wrong = await handlePush(
    request(githubPush, { "x-gitlab-token": "nope", "x-gitlab-event": "Push Hook" }),
    { secret: SECRET },
  );
  assert.equal(wrong.status, 401);
});

Deno.test("handlePush() answers pings, ignores other events and other branches", async () => {
  const ping = await handlePush(await signed('{"zen":"hi"}', { "x-github-event": "ping" }), {
    secret: SECRET,
  });
  assert.deepEqual(ping, { status: 200, body: { ok: "pong" } });
  const issues = await handlePush(await signed("{}", { "x-gitea-event": "issues" }), {
    secret: SECRET,
  });
  assert.equal(issues.status, 200);
  assert.equal(issues.trigger, undefined);
  const other = await handlePush(await signed(githubPush), { secret: SECRET, branch: "prod" });
  assert.deepEqual(other, {
    status: 200,
    body: { ignored: "refs/heads/main is not the deployed branch" },
  });
  const garbage = await handlePush(await signed("[1, 2]"), { secret: SECRET });
  assert.equal(garbage.status, 400);
});

Deno.test("handlePush() takes unsigned pushes only with webhook_secret: none", async () => {
  const verdict = await handlePush(request(githubPush, {}), { secret: NO_SECRET });
  assert.equal(verdict.status, 202);
});

Deno.test("readBodyCapped() refuses a declared or a streamed body over the cap", async () => {
  const big = new Uint8Array(MAX_BODY_BYTES + 1);
  assert.equal(await readBodyCapped(request(big, {})), undefined);
  const declared = { "content-length": String(MAX_BODY_BYTES + 1) };
  assert.equal(await readBodyCapped(request("abc", declared)), undefined);
  let sent = 0;
  const chunked = new ReadableStream<Uint8Array>({
    pull(controller) {
      // No Content-Length: 64 KiB chunks until the reader stops asking.
      if (sent > 4 * MAX_BODY_BYTES) return controller.close();
      sent += 65_536;
      controller.enqueue(new Uint8Array(65_536));
    },
  });
  assert.equal(await readBodyCapped(request(chunked, {})), undefined);
  assert.ok(sent <= MAX_BODY_BYTES + 2 * 65_536, `read ${sent} bytes`);
  assert.deepEqual(await readBodyCapped(request("abc", {})), encode("abc"));
  const verdict = await handlePush(request(big, FAKE_SIGNATURE), { secret: SECRET });
  assert.equal(verdict.status, 413);
});

/** A well-formed signature header that does not match: the body must be read to know. */
const FAKE_SIGNATURE = { "x-gitea-signature": "0".repeat(64) };

/** A body stream that records what was read of it and whether it was cancelled. */
function watchedBody(chunks: Uint8Array[], stall = false) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks.shift();
      // A sender that stops sending: a pull that never ends.
      if (chunk === undefined && stall) return new Promise<void>(() => {});
      if (chunk === undefined) controller.close();
      else {
        seen.pulled += chunk.length;
        controller.enqueue(chunk);
      }
      return Promise.resolve();
    },
    cancel() {
      seen.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, seen };
}

Deno.test("hasSignature() wants a well-formed HMAC header or a GitLab token", () => {
  const h = (headers: Record<string, string>) => hasSignature(new Headers(headers));
  assert.equal(h({}), false);
  assert.equal(h({ "x-hub-signature-256": `sha256=${"a".repeat(64)}` }), true);
  assert.equal(h({ "x-hub-signature-256": "a".repeat(64) }), false, "GitHub's prefix is missing");
  assert.equal(h({ "x-gitea-signature": "nothex" }), false);
  assert.equal(h({ "x-gitlab-token": "t" }), true);
});

Deno.test("handlePush() refuses a request without a signature before reading a byte of it", async () => {
  const unsigned: Record<string, string>[] = [{}, { "x-gogs-signature": "short" }];
  for (const headers of unsigned) {
    const { stream, seen } = watchedBody([new Uint8Array(1000)]);
    const verdict = await handlePush(request(stream, headers), { secret: SECRET });
    assert.equal(verdict.status, 401);
    assert.deepEqual(seen, { pulled: 0, cancelled: true });
  }
});

Deno.test("BodyBudget takes bytes while there are enough free and gets them back", () => {
  const budget = new BodyBudget(100);
  assert.equal(budget.take(60), true);
  assert.equal(budget.take(50), false);
  assert.equal(budget.inUse, 60);
  budget.give(60);
  assert.equal(budget.inUse, 0);
  assert.equal(new BodyBudget().size, MAX_BODIES_BYTES);
  assert.equal(MAX_BODIES_BYTES, 4 * 1024 * 1024);
});

Deno.test("handlePush() answers 503 with Retry-After, before reading, when the shared budget cannot hold the body", async () => {
  const budget = new BodyBudget(2.5 * MAX_BODY_BYTES);
  // Two senders that declared 1 MiB each and stopped sending hold 2 MiB.
  const stalled = [0, 1].map(() => {
    const { stream } = watchedBody([new Uint8Array(1000)], true);
    const headers = { ...FAKE_SIGNATURE, "content-length": String(MAX_BODY_BYTES) };
    return handlePush(request(stream, headers), { secret: SECRET, budget, bodyTimeoutMs: 200 });
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(budget.inUse, 2 * MAX_BODY_BYTES);
  const { stream, seen } = watchedBody([new Uint8Array(MAX_BODY_BYTES)]);
  const headers = { ...FAKE_SIGNATURE, "content-length": String(MAX_BODY_BYTES) };
  const refused = await handlePush(request(stream, headers), { secret: SECRET, budget });
  assert.deepEqual(refused, {
    status: 503,
    body: { error: "too many webhook bodies at once, retry later" },
    retryAfter: 5,
  });
  assert.deepEqual(seen, { pulled: 0, cancelled: true });
  // A small push still fits beside them.
  const small = await handlePush(await signed(githubPush), { secret: SECRET, budget });
  assert.equal(small.status, 202);
  // The slow senders time out (408) and give their bytes back.
  assert.deepEqual((await Promise.all(stalled)).map((v) => v.status), [408, 408]);
  assert.equal(budget.inUse, 0);
});

Deno.test("handlePush() counts a chunked body against the budget as it grows", async () => {
  const budget = new BodyBudget(200_000);
  const chunks = () => Array.from({ length: 4 }, () => new Uint8Array(65_536));
  const big = watchedBody(chunks());
  const verdict = await handlePush(request(big.stream, FAKE_SIGNATURE), { secret: SECRET, budget });
  assert.equal(verdict.status, 503);
  assert.ok(big.seen.cancelled);
  assert.ok(big.seen.pulled < 4 * 65_536, "the rest is not read");
  assert.equal(budget.inUse, 0);
  const fits = watchedBody(chunks().slice(0, 2));
  const wrong = await handlePush(request(fits.stream, FAKE_SIGNATURE), { secret: SECRET, budget });
  assert.equal(wrong.status, 401, "read whole, then found unsigned");
  assert.equal(budget.inUse, 0);
});

Deno.test("handlePush() gives every byte back over many requests, whatever their answers", async () => {
  const budget = new BodyBudget();
  const verdicts = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    if (i % 3 === 0) return handlePush(await signed(githubPush), { secret: SECRET, budget });
    if (i % 3 === 1) {
      return handlePush(request(new Uint8Array(200_000), FAKE_SIGNATURE), {
        secret: SECRET,
        budget,
      });
    }
    return handlePush(request(new Uint8Array(MAX_BODY_BYTES + 1), FAKE_SIGNATURE), {
      secret: SECRET,
      budget,
    });
  }));
  // Which of them find the budget full (503) depends on how their reads interleave.
  for (const verdict of verdicts) assert.ok([202, 401, 413, 503].includes(verdict.status));
  assert.ok(verdicts.some((v) => v.status === 202));
  assert.equal(budget.inUse, 0);
});

Deno.test("config: webhook_secret: none is kept as the explicit opt-out; an empty one is an error", () => {
  const base = "repo: /r\nbase_dir: /b\n";
  const config = parseConfig(`${base}webhook_secret: none\n`, "/c/a.yaml", {}, { hostname: "h" });
  assert.equal(config.webhook_secret, NO_SECRET);
  assert.equal(parseConfig(base, "/c/a.yaml", {}, { hostname: "h" }).webhook_secret, undefined);
  assert.throws(
    () => parseConfig(`${base}webhook_secret: ""\n`, "/c/a.yaml", {}, { hostname: "h" }),
    /config: webhook_secret: must be a string/,
  );
});
