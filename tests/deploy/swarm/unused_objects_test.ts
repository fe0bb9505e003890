/**
 * Unit tests of the removal of a swarm stack's unused configs and secrets:
 * the docker command lines, the listing's JSON, and what is removed, kept in
 * use or failed, against a fake runner. The real swarm is in
 * tests/e2e/swarm_objects_e2e_test.ts.
 * @module
 */
import assert from "node:assert/strict";
import {
  objectListArgs,
  objectRemoveArgs,
  parseObjectList,
  removeUnusedObjects,
} from "../../../lib/deploy/swarm/mod.ts";
import { ComposeError, DockerDownError } from "../../../lib/errors.ts";
import { fakeRunner } from "../../_fakes.ts";

Deno.test("objectListArgs() and objectRemoveArgs() build the docker command lines", () => {
  assert.deepEqual(objectListArgs("configs", "web"), [
    "docker",
    "config",
    "ls",
    "--filter",
    "label=com.docker.stack.namespace=web",
    "--format",
    "{{json .}}",
  ]);
  assert.deepEqual(objectRemoveArgs("secrets", "web_token_0123456789"), [
    "docker",
    "secret",
    "rm",
    "web_token_0123456789",
  ]);
});

Deno.test("parseObjectList() reads one JSON object per line and refuses anything else", () => {
  const stdout = '{"ID":"9l","Labels":"com.docker.stack.namespace=web","Name":"web_a_1"}\n' +
    '{"ID":"0k","Name":"web_b_2"}\n\n';
  assert.deepEqual(parseObjectList(stdout), ["web_a_1", "web_b_2"]);
  assert.deepEqual(parseObjectList(""), []);
  assert.throws(() => parseObjectList("web_a_1\n"), ComposeError);
  assert.throws(() => parseObjectList('{"ID":"9l"}\n'), /line 1/);
});

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
  const done = await removeUnusedObjects(runner, "web", ["web_conf_new"]);
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
  await assert.rejects(removeUnusedObjects(down, "web", []), DockerDownError);
  const refused = fakeRunner((cmd) =>
    cmd[2] === "ls" ? { stdout: '{"Name":"web_x"}\n' } : { code: 1, stderr: "permission denied\n" }
  );
  await assert.rejects(
    removeUnusedObjects(refused, "web", []),
    /docker config rm failed \(exit 1\): permission denied/,
  );
});
