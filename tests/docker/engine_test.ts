/**
 * Unit tests of the engine API client: which endpoint the docker CLI's rules
 * give, and real requests over a unix socket served by the test itself.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  currentContext,
  DEFAULT_SOCKET,
  engineEndpoint,
  engineMessage,
  engineUrl,
  NoEngineSocketError,
  olderApiVersion,
  socketEngine,
} from "../../lib/docker/mod.ts";
import { ComposeError, DockerDownError } from "../../lib/errors.ts";
import { withTempDir } from "../_temp.ts";

Deno.test("engineEndpoint() follows the docker CLI: DOCKER_HOST, then the context, then the default socket", () => {
  assert.deepEqual(engineEndpoint("unix:///run/user/1000/docker.sock", "remote"), {
    kind: "socket",
    path: "/run/user/1000/docker.sock",
  });
  assert.deepEqual(engineEndpoint(undefined, undefined), { kind: "socket", path: DEFAULT_SOCKET });
  assert.deepEqual(engineEndpoint(undefined, "default"), { kind: "socket", path: DEFAULT_SOCKET });
  assert.deepEqual(engineEndpoint("tcp://10.0.0.2:2376", undefined), {
    kind: "unsupported",
    why: "DOCKER_HOST=tcp://10.0.0.2:2376 is not a unix socket",
  });
  assert.deepEqual(engineEndpoint(undefined, "remote"), {
    kind: "unsupported",
    why: 'the docker context "remote" is not the default one',
  });
});

Deno.test("currentContext() reads the docker config's currentContext, none when absent or unreadable", () => {
  assert.equal(currentContext('{"auths":{},"currentContext":"remote"}'), "remote");
  assert.equal(currentContext('{"auths":{}}'), undefined);
  assert.equal(currentContext("not json"), undefined);
  assert.equal(currentContext(undefined), undefined);
});

Deno.test("engineUrl() puts the API version first (1.44 unless told) and sends filters as JSON", () => {
  assert.equal(
    engineUrl({ method: "GET", path: "/tasks", query: { filters: { service: ["a"] } } }),
    "http://127.0.0.1/v1.44/tasks?filters=%7B%22service%22%3A%5B%22a%22%5D%7D",
  );
  assert.equal(
    engineUrl({ method: "DELETE", path: "/configs/x" }),
    "http://127.0.0.1/v1.44/configs/x",
  );
  assert.equal(
    engineUrl({ method: "GET", path: "/tasks" }, "1.41"),
    "http://127.0.0.1/v1.41/tasks",
  );
});

Deno.test("olderApiVersion() asks again only in an older version an engine named when it refused", () => {
  assert.equal(olderApiVersion(400, "1.41", "1.44"), "1.41");
  assert.equal(olderApiVersion(400, "0.9", "1.44"), "0.9");
  assert.equal(olderApiVersion(400, "1.45", "1.44"), undefined); // a plain bad request
  assert.equal(olderApiVersion(400, "1.44", "1.44"), undefined);
  assert.equal(olderApiVersion(200, "1.41", "1.44"), undefined);
  assert.equal(olderApiVersion(400, null, "1.44"), undefined);
  assert.equal(olderApiVersion(400, "garbage", "1.44"), undefined);
});

Deno.test("socketEngine() speaks an older engine's version once it said so, as the docker CLI does", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "engine.sock");
    const seen: string[] = [];
    // Docker 20.10: API 1.41 at most; its refusal is JSON with its version in a header.
    const server = Deno.serve({ path, onListen() {} }, (request) => {
      const url = new URL(request.url);
      seen.push(url.pathname);
      if (!url.pathname.startsWith("/v1.41/")) {
        const message = "client version 1.44 is too new. Maximum supported API version is 1.41";
        return Response.json({ message }, { status: 400, headers: { "Api-Version": "1.41" } });
      }
      return Response.json([], { headers: { "Api-Version": "1.41" } });
    });
    try {
      const engine = socketEngine({ DOCKER_HOST: `unix://${path}` });
      assert.deepEqual(await engine.request({ method: "GET", path: "/containers/json" }), {
        status: 200,
        body: [],
      });
      assert.deepEqual(await engine.request({ method: "GET", path: "/services" }), {
        status: 200,
        body: [],
      });
      assert.deepEqual(seen, [
        "/v1.44/containers/json",
        "/v1.41/containers/json",
        "/v1.41/services",
      ]);
    } finally {
      await server.shutdown();
    }
  });
});

Deno.test("engineMessage() quotes the engine's message, else the status", () => {
  assert.equal(
    engineMessage({ status: 404, body: { message: "config x not found" } }),
    "config x not found",
  );
  assert.equal(engineMessage({ status: 502, body: undefined }), "HTTP 502");
});

Deno.test("socketEngine() speaks HTTP over DOCKER_HOST's unix socket, and says when nothing answers there", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "engine.sock");
    const seen: string[] = [];
    const server = Deno.serve({ path, onListen() {} }, async (request) => {
      const url = new URL(request.url);
      seen.push(`${request.method} ${url.pathname}${url.search} ${await request.text()}`);
      if (url.pathname.endsWith("/broken")) return new Response("<html>", { status: 500 });
      if (request.method === "DELETE") return new Response(null, { status: 204 });
      return Response.json([{ ID: "a" }]);
    });
    try {
      const engine = socketEngine({ DOCKER_HOST: `unix://${path}` });
      const filters = { label: ["x=y"] };
      assert.deepEqual(
        await engine.request({ method: "GET", path: "/services", query: { filters } }),
        {
          status: 200,
          body: [{ ID: "a" }],
        },
      );
      assert.deepEqual(await engine.request({ method: "DELETE", path: "/configs/c" }), {
        status: 204,
        body: undefined,
      });
      await engine.request({ method: "POST", path: "/configs/create", body: { Name: "n" } });
      await assert.rejects(
        engine.request({ method: "GET", path: "/broken" }),
        (error) => error instanceof ComposeError && /GET \/broken: not JSON/.test(error.message),
      );
      assert.deepEqual(seen.slice(0, 3), [
        `GET /v1.44/services?filters=${encodeURIComponent('{"label":["x=y"]}')} `,
        "DELETE /v1.44/configs/c ",
        'POST /v1.44/configs/create {"Name":"n"}',
      ]);
    } finally {
      await server.shutdown();
    }
    const gone = socketEngine({ DOCKER_HOST: `unix://${path}` });
    await assert.rejects(
      gone.request({ method: "GET", path: "/services" }),
      (error) => error instanceof DockerDownError && error.message.includes(path),
    );
  });
});

Deno.test("socketEngine() refuses a tcp engine and a non-default context with one clear line", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "config.json"), '{"currentContext":"remote"}');
    for (const env of [{ DOCKER_HOST: "ssh://admin@manager" }, { DOCKER_CONFIG: dir }]) {
      await assert.rejects(
        socketEngine(env).request({ method: "GET", path: "/services" }),
        (error) =>
          // A ComposeError of its own kind: the project list goes through the CLI instead.
          error instanceof NoEngineSocketError && error instanceof ComposeError &&
          /^swarm stacks need the engine's unix socket: .* \(run autostack on a manager\)$/
            .test(error.message),
      );
    }
  });
});
