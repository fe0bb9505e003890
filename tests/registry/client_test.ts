import assert from "node:assert/strict";
import {
  ACCEPT,
  lookupDigest,
  parseImageRef,
  type RegistryOptions,
  resolveTags,
} from "../../lib/registry/mod.ts";

const DIGEST = `sha256:${"1a".repeat(32)}`;

/** One recorded exchange: what was asked, and the answer. */
interface Exchange {
  method: string;
  url: string;
  authorization?: string;
  accept: string;
}

/** A fetch that answers from `respond` and records each request. */
function recorded(respond: (req: Exchange) => Response) {
  const requests: Exchange[] = [];
  const fake: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    const req = {
      method: init?.method ?? "GET",
      url: String(input),
      accept: headers.get("accept") ?? "",
      ...(headers.has("authorization") ? { authorization: headers.get("authorization")! } : {}),
    };
    requests.push(req);
    return Promise.resolve(respond(req));
  };
  return { fetch: fake, requests };
}

function options(
  fetch: typeof globalThis.fetch,
  credentials?: { username: string; password: string },
): RegistryOptions {
  return { fetch, credentials: () => Promise.resolve(credentials), insecure: [], timeoutMs: 5000 };
}

const ref = (s: string) => parseImageRef(s)!;

Deno.test("lookupDigest() reads Docker-Content-Digest from a HEAD with every manifest type accepted", async () => {
  const { fetch, requests } = recorded(() =>
    new Response(null, { status: 200, headers: { "docker-content-digest": DIGEST } })
  );
  assert.deepEqual(await lookupDigest(options(fetch), ref("ghcr.io/org/app:stable")), {
    ok: true,
    digest: DIGEST,
  });
  assert.deepEqual(requests, [{
    method: "HEAD",
    url: "https://ghcr.io/v2/org/app/manifests/stable",
    accept: ACCEPT,
  }]);
  for (
    const type of [
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.docker.distribution.manifest.v2+json",
    ]
  ) assert.ok(requests[0]!.accept.includes(type), type);
});

Deno.test("lookupDigest() asks Docker Hub at registry-1.docker.io under library/", async () => {
  const { fetch, requests } = recorded(() =>
    new Response(null, { status: 200, headers: { "docker-content-digest": DIGEST } })
  );
  await lookupDigest(options(fetch), ref("nginx:1.27"));
  assert.equal(requests[0]!.url, "https://registry-1.docker.io/v2/library/nginx/manifests/1.27");
});

Deno.test("lookupDigest() speaks plain HTTP to a loopback registry", async () => {
  const { fetch, requests } = recorded(() =>
    new Response(null, { status: 200, headers: { "docker-content-digest": DIGEST } })
  );
  await lookupDigest(options(fetch), ref("127.0.0.1:5000/app:v1"));
  assert.equal(requests[0]!.url, "http://127.0.0.1:5000/v2/app/manifests/v1");
});

Deno.test("lookupDigest() hashes the manifest of a GET when HEAD sends no digest", async () => {
  const body = '{"schemaVersion":2}';
  const { fetch, requests } = recorded((req) =>
    req.method === "HEAD" ? new Response(null, { status: 200 }) : new Response(body)
  );
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  const hex = [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.deepEqual(await lookupDigest(options(fetch), ref("ghcr.io/org/app")), {
    ok: true,
    digest: `sha256:${hex}`,
  });
  assert.deepEqual(requests.map((r) => r.method), ["HEAD", "GET"]);
});

Deno.test("lookupDigest() answers a Bearer challenge with a token, anonymously, then asks again", async () => {
  const { fetch, requests } = recorded((req) => {
    if (req.url.startsWith("https://auth.docker.io/")) {
      return Response.json({ token: "tok123" });
    }
    if (req.authorization === "Bearer tok123") {
      return new Response(null, { status: 200, headers: { "docker-content-digest": DIGEST } });
    }
    return new Response(null, {
      status: 401,
      headers: {
        "www-authenticate":
          'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      },
    });
  });
  assert.deepEqual(await lookupDigest(options(fetch), ref("nginx")), { ok: true, digest: DIGEST });
  assert.equal(requests.length, 3);
  assert.equal(
    requests[1]!.url,
    "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fnginx%3Apull",
  );
  assert.equal(requests[1]!.authorization, undefined);
});

Deno.test("lookupDigest() sends credentials to the token server, and Basic ones to an htpasswd registry", async () => {
  const creds = { username: "ci", password: "s3cret" };
  const bearer = recorded((req) => {
    if (req.url.startsWith("https://ghcr.io/token")) return Response.json({ access_token: "at" });
    if (req.authorization === "Bearer at") {
      return new Response(null, { status: 200, headers: { "docker-content-digest": DIGEST } });
    }
    return new Response(null, {
      status: 401,
      headers: { "www-authenticate": 'Bearer realm="https://ghcr.io/token",service="ghcr.io"' },
    });
  });
  assert.equal((await lookupDigest(options(bearer.fetch, creds), ref("ghcr.io/o/a"))).ok, true);
  assert.equal(bearer.requests[1]!.authorization, `Basic ${btoa("ci:s3cret")}`);

  const basic = recorded((req) =>
    req.authorization === `Basic ${btoa("ci:s3cret")}`
      ? new Response(null, { status: 200, headers: { "docker-content-digest": DIGEST } })
      : new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="r"' } })
  );
  assert.deepEqual(await lookupDigest(options(basic.fetch, creds), ref("localhost:5000/a")), {
    ok: true,
    digest: DIGEST,
  });
  assert.equal(basic.requests.length, 2);
});

Deno.test("lookupDigest() says a Basic registry without credentials refused us", async () => {
  const { fetch } = recorded(() =>
    new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="r"' } })
  );
  assert.deepEqual(await lookupDigest(options(fetch), ref("localhost:5000/a")), {
    ok: false,
    registry: "localhost:5000",
    reason: "refused: needs credentials (401)",
  });
});

Deno.test("lookupDigest() turns 429, 5xx, 404 and a wrong token into registry unavailable", async () => {
  for (
    const [status, reason] of [
      [429, "rate-limited (429)"],
      [503, "answered 503"],
      [404, "no such image or tag (404)"],
      [403, "refused (403)"],
    ] as const
  ) {
    const { fetch } = recorded(() => new Response(null, { status }));
    assert.deepEqual(await lookupDigest(options(fetch), ref("ghcr.io/o/a")), {
      ok: false,
      registry: "ghcr.io",
      reason,
    });
  }
  const refused = recorded((req) =>
    req.url.includes("/token") ? new Response("no", { status: 401 }) : new Response(null, {
      status: 401,
      headers: { "www-authenticate": 'Bearer realm="https://ghcr.io/token"' },
    })
  );
  assert.deepEqual(await lookupDigest(options(refused.fetch), ref("ghcr.io/o/a")), {
    ok: false,
    registry: "ghcr.io",
    reason: "token server: refused (401)",
  });
});

Deno.test("lookupDigest() says a registry that cannot be reached is unreachable, and never throws", async () => {
  const down: typeof fetch = () =>
    Promise.reject(new TypeError("fetch failed", { cause: new Error("Connection refused") }));
  assert.deepEqual(await lookupDigest(options(down), ref("127.0.0.1:1/a")), {
    ok: false,
    registry: "127.0.0.1:1",
    reason: "unreachable (connection refused)",
  });
  const slow: typeof fetch = () =>
    Promise.reject(new DOMException("signal timed out", "TimeoutError"));
  assert.deepEqual(await lookupDigest(options(slow), ref("ghcr.io/o/a")), {
    ok: false,
    registry: "ghcr.io",
    reason: "timed out",
  });
});

Deno.test("lookupDigest() stops a registry that does not answer within the timeout", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    const { port } = listener.addr;
    const result = await lookupDigest(
      { ...options(fetch), timeoutMs: 200 },
      ref(`127.0.0.1:${port}/a`),
    );
    assert.deepEqual(result, { ok: false, registry: `127.0.0.1:${port}`, reason: "timed out" });
  } finally {
    listener.close();
    for (const conn of held) conn.close();
    await accepting.catch(() => {});
  }
});

Deno.test("resolveTags() asks once per distinct tag, however it is spelt", async () => {
  const { fetch, requests } = recorded(() =>
    new Response(null, { status: 200, headers: { "docker-content-digest": DIGEST } })
  );
  const answers = await resolveTags(options(fetch), [
    ref("nginx"),
    ref("docker.io/library/nginx:latest"),
    ref("index.docker.io/nginx"),
    ref("ghcr.io/o/a:1"),
  ]);
  assert.equal(requests.length, 2);
  assert.deepEqual([...answers.keys()], ["docker.io/library/nginx:latest", "ghcr.io/o/a:1"]);
});
