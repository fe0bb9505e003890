/**
 * Unit tests of which images, networks and volumes are missing, with a fake
 * engine: one inspect when all are there, one per name to find the missing.
 * @module
 */
import assert from "node:assert/strict";
import { fakeRunner } from "../_fakes.ts";
import { missingResources } from "../../lib/docker/mod.ts";
import { DockerDownError } from "../../lib/errors.ts";

Deno.test("missingResources() asks once when everything is there", async () => {
  const runner = fakeRunner(() => ({ stdout: "sha256:1\nsha256:2\n" }));
  assert.deepEqual(await missingResources(runner, "docker", "image", ["a", "b", "a"]), []);
  assert.deepEqual(runner.calls.map((c) => c.cmd), [
    ["docker", "image", "inspect", "--format", "{{.Id}}", "a", "b"],
  ]);
});

Deno.test("missingResources() names the missing ones, asking each on its own after a failure", async () => {
  const runner = fakeRunner((cmd) =>
    cmd.includes("proxy") ? { code: 1, stderr: "network proxy not found" } : {}
  );
  assert.deepEqual(await missingResources(runner, "docker", "network", ["web", "proxy"]), [
    "proxy",
  ]);
  assert.equal(runner.calls[0]?.cmd.includes("{{.Name}}"), true);
  assert.equal(runner.calls.length, 3);
});

Deno.test("missingResources() asks nothing for no names, and throws when the daemon does not answer", async () => {
  const none = fakeRunner(() => ({}));
  assert.deepEqual(await missingResources(none, "docker", "volume", []), []);
  assert.equal(none.calls.length, 0);
  const down = fakeRunner(() => ({ code: 1, stderr: "Cannot connect to the Docker daemon" }));
  await assert.rejects(() => missingResources(down, "docker", "image", ["a"]), DockerDownError);
});
