import assert from "node:assert/strict";
import {
  desiredOf,
  parseServiceList,
  parseStackList,
  parseSwarmRole,
  parseTaskList,
  parseUpdateStatus,
  stackDeployArgs,
  Swarm,
} from "../../lib/docker/mod.ts";
import { fakeRunner } from "../_fakes.ts";

Deno.test("stackDeployArgs() prunes, passes registry auth, never resolves images, and keeps the file order", () => {
  assert.deepEqual(stackDeployArgs("web", ["/r/compose.yaml", "/r/prod.yaml"]), [
    "docker",
    "stack",
    "deploy",
    "--prune",
    "--with-registry-auth",
    "--resolve-image",
    "never",
    "-c",
    "/r/compose.yaml",
    "-c",
    "/r/prod.yaml",
    "web",
  ]);
});

Deno.test("parseSwarmRole() tells a manager from a worker and from no swarm", () => {
  assert.equal(parseSwarmRole('{"LocalNodeState":"active","ControlAvailable":true}'), "manager");
  assert.equal(parseSwarmRole('{"LocalNodeState":"active","ControlAvailable":false}'), "worker");
  assert.equal(parseSwarmRole('{"LocalNodeState":"inactive","ControlAvailable":false}'), "none");
  assert.throws(() => parseSwarmRole("{}"), /no swarm state/);
});

Deno.test("desiredOf() reads the desired count of replicated and global services, none for jobs", () => {
  assert.equal(desiredOf("replicated", "1/2"), 2);
  assert.equal(desiredOf("global", "0/1 (max 1 per node)"), 1);
  assert.equal(desiredOf("replicated-job", "0/1 (1/1 completed)"), undefined);
});

Deno.test("parseServiceList() and parseUpdateStatus() read docker's JSON, a missing UpdateStatus as none", () => {
  const list = parseServiceList(
    '{"ID":"x","Mode":"replicated","Name":"s_web","Replicas":"2/2"}\n' +
      '{"ID":"y","Mode":"global","Name":"s_agent","Replicas":"1/1"}\n',
  );
  assert.deepEqual(list.map((s) => s.Name), ["s_web", "s_agent"]);
  const updates = parseUpdateStatus(JSON.stringify([
    { Spec: { Name: "s_web" }, UpdateStatus: { State: "paused", Message: "update paused" } },
    { Spec: { Name: "s_agent" } },
  ]));
  assert.deepEqual(updates.get("s_web"), { state: "paused", message: "update paused" });
  assert.deepEqual(updates.get("s_agent"), { state: "", message: "" });
});

Deno.test("parseTaskList() maps tasks to the longest service name, lower-cases states and unquotes errors", () => {
  const line = (name: string, desired: string, current: string, error = "") =>
    JSON.stringify({
      ID: name,
      Name: name,
      DesiredState: desired,
      CurrentState: current,
      Error: error,
    });
  const tasks = parseTaskList(
    [
      line("s_web.1", "Running", "Running 3 seconds ago"),
      line("s_web_api.1", "Shutdown", "Failed 2 seconds ago", '"task: non-zero exit (1)"'),
      line("other.1", "Running", "Running now"),
    ].join("\n"),
    ["s_web", "s_web_api"],
  );
  assert.deepEqual(tasks.map((t) => [t.service, t.desired, t.state, t.error]), [
    ["s_web", "running", "running", ""],
    ["s_web_api", "shutdown", "failed", "task: non-zero exit (1)"],
  ]);
});

Deno.test("parseStackList() counts each stack's services", () => {
  const stacks = parseStackList('{"Name":"web","Services":"2"}\n{"Name":"db","Services":"1"}\n');
  assert.deepEqual([...stacks], [["web", 2], ["db", 1]]);
});

Deno.test("Swarm.deploy() sends the deploy again when Swarm says the update is out of sequence", async () => {
  let calls = 0;
  const runner = fakeRunner(() =>
    ++calls === 1 ? { code: 1, stderr: "rpc error: update out of sequence" } : undefined
  );
  await new Swarm(runner).deploy("web", ["/r/compose.yaml"], { A: "1" });
  assert.equal(runner.calls.length, 2);
  assert.deepEqual(runner.calls[1]?.options.env, { A: "1" });
  const failing = fakeRunner(() => ({ code: 1, stderr: "service web: invalid mount config" }));
  await assert.rejects(
    () => new Swarm(failing).deploy("web", ["/r/compose.yaml"]),
    /docker stack deploy failed \(exit 1\): service web: invalid mount config/,
  );
  assert.equal(failing.calls.length, 1);
});
