/**
 * Unit tests of the removal of a swarm stack's unused configs and secrets:
 * what is removed, kept in use or failed, against a fake engine. The real swarm is in
 * tests/e2e/swarm_objects_e2e_test.ts.
 * @module
 */
import assert from "node:assert/strict";
import { removeUnusedObjects } from "../../../lib/deploy/swarm/mod.ts";
import { Swarm } from "../../../lib/docker/mod.ts";
import { DockerDownError } from "../../../lib/errors.ts";
import { fakeEngine, fakeRunner } from "../../_fakes.ts";

const named = (...names: string[]) => names.map((Name) => ({ ID: Name, Spec: { Name } }));

Deno.test("removeUnusedObjects() removes what is not kept and keeps what is in use", async () => {
  const engine = fakeEngine((request) => {
    if (request.path === "/configs") {
      return { body: named("web_conf_new", "web_conf_old", "web_conf_busy") };
    }
    if (request.path === "/secrets") return { body: named("web_token_gone") };
    if (request.path === "/configs/web_conf_busy") {
      return {
        status: 400,
        body: {
          message: "rpc error: code = InvalidArgument desc = config 'web_conf_busy' is in use " +
            "by the following service: web_app",
        },
      };
    }
    if (request.path === "/secrets/web_token_gone") {
      return { status: 404, body: { message: "secret web_token_gone not found" } };
    }
    return { status: 204, body: undefined };
  });
  const swarm = new Swarm(fakeRunner(() => undefined), engine);
  const done = await removeUnusedObjects(swarm, "web", ["web_conf_new"]);
  assert.deepEqual(done, { removed: ["configs/web_conf_old"], inUse: ["configs/web_conf_busy"] });
  assert.deepEqual(engine.calls.filter((c) => c.method === "DELETE").map((c) => c.path), [
    "/configs/web_conf_busy",
    "/configs/web_conf_old",
    "/secrets/web_token_gone",
  ]);
});

Deno.test("removeUnusedObjects() fails clearly when Docker does not answer or refuses", async () => {
  const down = fakeEngine(() => {
    throw new DockerDownError("cannot reach the engine at /var/run/docker.sock");
  });
  await assert.rejects(
    removeUnusedObjects(new Swarm(fakeRunner(() => undefined), down), "web", []),
    DockerDownError,
  );
  const refused = fakeEngine((request) =>
    request.method === "GET"
      ? { body: named("web_x") }
      : { status: 500, body: { message: "permission denied" } }
  );
  await assert.rejects(
    removeUnusedObjects(new Swarm(fakeRunner(() => undefined), refused), "web", []),
    /docker config rm web_x failed: permission denied/,
  );
});
