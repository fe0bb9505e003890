import assert from "node:assert/strict";
import { parseChallenge, tokenUrl } from "../../lib/registry/mod.ts";

Deno.test("parseChallenge() reads Docker Hub's Bearer challenge", () => {
  const header =
    'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"';
  assert.deepEqual(parseChallenge(header), {
    scheme: "bearer",
    realm: "https://auth.docker.io/token",
    service: "registry.docker.io",
    scope: "repository:library/nginx:pull",
  });
});

Deno.test("parseChallenge() reads a challenge with spaces, unquoted values and escaped quotes", () => {
  assert.deepEqual(parseChallenge('bearer realm = "https://t.example/a\\"b" , service=reg'), {
    scheme: "bearer",
    realm: 'https://t.example/a"b',
    service: "reg",
  });
});

Deno.test("parseChallenge() reads Basic (htpasswd) and refuses what it cannot answer", () => {
  assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: "basic" });
  assert.equal(parseChallenge('Bearer service="x"'), undefined);
  assert.equal(parseChallenge("Negotiate abc"), undefined);
  assert.equal(parseChallenge(null), undefined);
});

Deno.test("tokenUrl() asks for pull access to the repository when the challenge names no scope", () => {
  const url = new URL(
    tokenUrl({ scheme: "bearer", realm: "https://ghcr.io/token", service: "ghcr.io" }, "org/app"),
  );
  assert.equal(url.searchParams.get("service"), "ghcr.io");
  assert.equal(url.searchParams.get("scope"), "repository:org/app:pull");
});
