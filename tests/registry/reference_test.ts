import assert from "node:assert/strict";
import { isPlainHttp, parseImageRef, pinnedName, tagName } from "../../lib/registry/mod.ts";

const D = `sha256:${"ab".repeat(32)}`;

Deno.test("parseImageRef() puts an official image under docker.io/library with the tag latest", () => {
  assert.deepEqual(parseImageRef("nginx"), {
    registry: "docker.io",
    apiHost: "registry-1.docker.io",
    repository: "library/nginx",
    tag: "latest",
  });
});

Deno.test("parseImageRef() keeps a Docker Hub user's repository and maps index.docker.io to docker.io", () => {
  assert.equal(parseImageRef("grafana/grafana:10.4")?.repository, "grafana/grafana");
  assert.equal(parseImageRef("docker.io/nginx:1")?.repository, "library/nginx");
  assert.equal(parseImageRef("index.docker.io/library/nginx")?.registry, "docker.io");
  assert.equal(parseImageRef("docker.io/nginx")?.apiHost, "registry-1.docker.io");
});

Deno.test("parseImageRef() reads a host with a port, localhost and dotted hosts", () => {
  assert.deepEqual(parseImageRef("127.0.0.1:5000/team/app:v2"), {
    registry: "127.0.0.1:5000",
    apiHost: "127.0.0.1:5000",
    repository: "team/app",
    tag: "v2",
  });
  assert.equal(parseImageRef("localhost/app")?.registry, "localhost");
  assert.equal(parseImageRef("ghcr.io/org/app:stable")?.registry, "ghcr.io");
  assert.equal(parseImageRef("ghcr.io/org/app:stable")?.tag, "stable");
});

Deno.test("parseImageRef() reads an @sha256 pin, with or without a tag", () => {
  assert.equal(parseImageRef(`nginx@${D}`)?.digest, D);
  assert.equal(parseImageRef(`nginx:1.27@${D}`)?.tag, "1.27");
});

Deno.test("parseImageRef() refuses upper case, a bad digest and an empty name", () => {
  assert.equal(parseImageRef("Nginx"), undefined);
  assert.equal(parseImageRef("nginx@sha256:xyz"), undefined);
  assert.equal(parseImageRef(""), undefined);
  assert.equal(parseImageRef("ghcr.io/"), undefined);
});

Deno.test("tagName() and pinnedName() spell a reference one way", () => {
  const hub = parseImageRef("nginx")!;
  assert.equal(tagName(hub), "docker.io/library/nginx:latest");
  assert.equal(pinnedName(hub, D), `nginx@${D}`);
  const local = parseImageRef("127.0.0.1:5000/app:1")!;
  assert.equal(pinnedName(local, D), `127.0.0.1:5000/app@${D}`);
});

Deno.test("isPlainHttp() is true for loopback registries and the insecure list only", () => {
  assert.equal(isPlainHttp("127.0.0.1:5000", []), true);
  assert.equal(isPlainHttp("localhost:5000", []), true);
  assert.equal(isPlainHttp("[::1]:5000", []), true);
  assert.equal(isPlainHttp("registry.lan:5000", []), false);
  assert.equal(isPlainHttp("registry.lan:5000", ["registry.lan:5000"]), true);
  assert.equal(isPlainHttp("ghcr.io", []), false);
});
