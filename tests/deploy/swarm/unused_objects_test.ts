/**
 * Unit tests of the removal of a swarm stack's unused configs and secrets:
 * what is removed, kept in use or failed, against a fake runner. The real swarm is in
 * tests/e2e/swarm_objects_e2e_test.ts.
 * @module
 */
import assert from "node:assert/strict";
import { removeUnusedObjects } from "../../../lib/deploy/swarm/mod.ts";
import { Swarm } from "../../../lib/docker/mod.ts";
import { DockerDownError } from "../../../lib/errors.ts";
import { fakeRunner } from "../../_fakes.ts";

Deno.test("removeUnusedObjects() removes what is not kept and keeps what is in use", async () => {
  const runner = fakeRunner((cmd) => {
    if (cmd[2] === "ls" && cmd[1] === "config") {
      return {
        stdout: ['{"Name":"web_conf_new"}', '{"Name":"web_conf_old"}', '{"Name":"web_conf_busy"}']
          .join("\n"),
      };
    }
    if (cmd[2] === "ls") return { stdout: '{"Name":"web_token_gone"}\n' };
    if (cmd[3] === "web_conf_busy") {
      return {
        code: 1,
        stderr: "Error response from daemon: rpc error: code = InvalidArgument desc = config " +
          "'web_conf_busy' is in use by the following service: web_app\n",
      };
    }
    if (cmd[3] === "web_token_gone") {
      return { code: 1, stderr: "Error response from daemon: secret web_token_gone not found\n" };
    }
    return undefined;
  });
  const done = await removeUnusedObjects(new Swarm(runner), "web", ["web_conf_new"]);
  assert.deepEqual(done, { removed: ["configs/web_conf_old"], inUse: ["configs/web_conf_busy"] });
  assert.deepEqual(runner.calls.filter((c) => c.cmd[2] === "rm").map((c) => c.cmd.slice(1)), [
    ["config", "rm", "web_conf_busy"],
    ["config", "rm", "web_conf_old"],
    ["secret", "rm", "web_token_gone"],
  ]);
});

Deno.test("removeUnusedObjects() fails clearly when Docker does not answer or refuses", async () => {
  const down = fakeRunner(() => ({
    code: 1,
    stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n",
  }));
  await assert.rejects(removeUnusedObjects(new Swarm(down), "web", []), DockerDownError);
  const refused = fakeRunner((cmd) =>
    cmd[2] === "ls" ? { stdout: '{"Name":"web_x"}\n' } : { code: 1, stderr: "permission denied\n" }
  );
  await assert.rejects(
    removeUnusedObjects(new Swarm(refused), "web", []),
    /docker config rm failed \(exit 1\): permission denied/,
  );
});
