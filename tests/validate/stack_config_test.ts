/**
 * Unit tests of the `docker stack config` check of swarm stacks in
 * `autostack validate`: the command line, which answers are reported, and the
 * findings placed in the compose files, against a fake runner. The real CLI
 * is in tests/e2e/swarm_validate_e2e_test.ts.
 * @module
 */
import assert from "node:assert/strict";
import {
  readRefusal,
  stackConfigArgs,
  stackConfigFindings,
} from "../../lib/validate/_stack_config.ts";
import { locator, readComposeDoc } from "../../lib/validate/_yaml.ts";
import { fakeRunner } from "../_fakes.ts";

const COMPOSE = "name: web\nservices:\n  app:\n    image: app\n    pull_policy: always\n";

function stack(command = ["docker", "compose"]) {
  const read = readComposeDoc(COMPOSE, "stacks/web/compose.yaml");
  if (!read.ok) throw new Error(read.message);
  return {
    command,
    files: ["/co/stacks/web/compose.yaml", "/co/stacks/web/compose.prod.yaml"],
    where: { folder: "stacks/web", stack: "web" },
    file: "stacks/web/compose.yaml",
    locate: locator([read.doc], "stacks/web/compose.yaml"),
  };
}

Deno.test("stackConfigArgs() checks every compose file in order, without interpolation", () => {
  assert.deepEqual(stackConfigArgs(["/a/compose.yaml", "/a/prod.yaml"]), [
    "docker",
    "stack",
    "config",
    "--skip-interpolation",
    "-c",
    "/a/compose.yaml",
    "-c",
    "/a/prod.yaml",
  ]);
});

Deno.test("readRefusal() reports the keys the older schema does not know, at their path", () => {
  assert.deepEqual(readRefusal("(root) Additional property name is not allowed\n"), {
    kind: "refused",
    message: "(root) Additional property name is not allowed",
    path: ["name"],
  });
  assert.deepEqual(readRefusal("services.app Additional property pull_policy is not allowed"), {
    kind: "refused",
    message: "services.app Additional property pull_policy is not allowed",
    path: ["services", "app", "pull_policy"],
  });
});

Deno.test("readRefusal() leaves to other rules what they say better, and notes an old CLI", () => {
  assert.deepEqual(readRefusal("Configuration contains forbidden properties\n"), { kind: "ok" });
  assert.deepEqual(readRefusal("services.app.depends_on must be a list\n"), { kind: "ok" });
  assert.deepEqual(readRefusal("services.app.deploy.replicas must be a integer\n"), {
    kind: "ok",
  });
  assert.equal(readRefusal("docker: unknown command: docker stack config\n").kind, "skipped");
});

Deno.test("stackConfigFindings() places docker's refusal at the key in the compose file", async () => {
  const runner = fakeRunner(() => ({
    code: 1,
    stderr: "services.app Additional property pull_policy is not allowed\n",
  }));
  assert.deepEqual(await stackConfigFindings(runner, stack()), [{
    level: "error",
    rule: "swarm-refused",
    folder: "stacks/web",
    stack: "web",
    file: "stacks/web/compose.yaml",
    line: 5,
    message: "docker stack deploy refuses services.app.pull_policy " +
      '("services.app Additional property pull_policy is not allowed"): its compose schema is ' +
      "older than docker compose's",
  }]);
  assert.deepEqual(runner.calls[0]!.cmd, stackConfigArgs(stack().files));
});

Deno.test("stackConfigFindings() is silent when docker takes the files, and skips podman", async () => {
  const ok = fakeRunner(() => ({ stdout: 'version: "3.13"\n' }));
  assert.deepEqual(await stackConfigFindings(ok, stack()), []);
  const podman = fakeRunner(() => ({
    code: 1,
    stderr: "(root) Additional property name is not allowed",
  }));
  assert.deepEqual(await stackConfigFindings(podman, stack(["podman", "compose"])), []);
  assert.equal(podman.calls.length, 0);
  const old = fakeRunner(() => ({ code: 1, stderr: "unknown command: docker stack config" }));
  const [note] = await stackConfigFindings(old, stack());
  assert.equal(note?.level, "note");
  assert.equal(note?.file, "stacks/web/compose.yaml");
});
