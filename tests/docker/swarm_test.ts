import assert from "node:assert/strict";
import {
  desiredOf,
  notManager,
  objectListArgs,
  parseObjectList,
  parseServiceInspect,
  parseServiceList,
  parseStackList,
  parseTaskList,
  stackDeployArgs,
  Swarm,
} from "../../lib/docker/mod.ts";
import { ComposeError } from "../../lib/errors.ts";
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

const WORKER =
  "Error response from daemon: This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state.";
const NO_SWARM =
  'Error response from daemon: This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

Deno.test("notManager() tells Docker's words for a worker and for no swarm from other failures", () => {
  assert.equal(notManager(WORKER), true);
  assert.equal(notManager(NO_SWARM), true);
  assert.equal(notManager("Error response from daemon: rpc error: code = Unavailable"), false);
});

for (const [what, stderr] of [["a worker", WORKER], ["an engine in no swarm", NO_SWARM]]) {
  Deno.test(`Swarm.role() is none on ${what}, and asks docker stack ls once per run`, async () => {
    const runner = fakeRunner(() => ({ code: 1, stderr }));
    const swarm = new Swarm(runner);
    assert.equal(await swarm.role(), "none");
    assert.equal(await swarm.stacks(), undefined);
    assert.deepEqual(runner.calls.map((c) => c.cmd.slice(1, 3)), [["stack", "ls"]]);
  });
}

Deno.test("Swarm.role() is manager where docker stack ls answers, and its stacks are kept", async () => {
  const runner = fakeRunner(() => ({ stdout: '{"Name":"web","Services":"2"}\n' }));
  const swarm = new Swarm(runner);
  assert.equal(await swarm.role(), "manager");
  assert.deepEqual([...await swarm.stacks() ?? []], [["web", 2]]);
  assert.equal(runner.calls.length, 1);
});

Deno.test("Swarm.stacks() throws other failures and asks again next time", async () => {
  let calls = 0;
  const runner = fakeRunner(() =>
    ++calls === 1 ? { code: 1, stderr: "rpc error: code = DeadlineExceeded" } : { stdout: "" }
  );
  const swarm = new Swarm(runner);
  await assert.rejects(swarm.stacks(), /docker stack ls failed \(exit 1\): rpc error/);
  assert.equal(await swarm.role(), "manager");
});

Deno.test("desiredOf() reads the desired count of replicated and global services, none for jobs", () => {
  assert.equal(desiredOf("replicated", "1/2"), 2);
  assert.equal(desiredOf("global", "0/1 (max 1 per node)"), 1);
  assert.equal(desiredOf("replicated-job", "0/1 (1/1 completed)"), undefined);
});

Deno.test("parseServiceList() and parseServiceInspect() read docker's JSON, a missing UpdateStatus as none", () => {
  const list = parseServiceList(
    '{"ID":"x","Mode":"replicated","Name":"s_web","Replicas":"2/2"}\n' +
      '{"ID":"y","Mode":"global","Name":"s_agent","Replicas":"1/1"}\n',
  );
  assert.deepEqual(list.map((s) => s.Name), ["s_web", "s_agent"]);
  const services = parseServiceInspect(JSON.stringify([
    {
      Spec: { Name: "s_web", Mode: { Replicated: { Replicas: 2 } } },
      UpdateStatus: { State: "paused", Message: "update paused" },
    },
    { Spec: { Name: "s_agent", Mode: { Global: {} } } },
    { Spec: { Name: "s_once", Mode: { ReplicatedJob: {} } } },
  ]));
  assert.deepEqual(services, [
    {
      name: "s_web",
      mode: "replicated",
      desired: 2,
      updateState: "paused",
      updateMessage: "update paused",
    },
    { name: "s_agent", mode: "global", desired: undefined, updateState: "", updateMessage: "" },
    {
      name: "s_once",
      mode: "replicated-job",
      desired: undefined,
      updateState: "",
      updateMessage: "",
    },
  ]);
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

Deno.test("objectListArgs() lists a stack's configs or secrets by its label", () => {
  assert.deepEqual(objectListArgs("config", "web"), [
    "docker",
    "config",
    "ls",
    "--filter",
    "label=com.docker.stack.namespace=web",
    "--format",
    "json",
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

Deno.test("Swarm.removeObject() tells removed, in use and gone apart, and throws the rest", async () => {
  const runner = fakeRunner((cmd) =>
    cmd[3] === "busy"
      ? { code: 1, stderr: "config 'busy' is in use by the following service: web_app\n" }
      : cmd[3] === "gone"
      ? { code: 1, stderr: "Error response from daemon: secret gone not found\n" }
      : cmd[3] === "denied"
      ? { code: 1, stderr: "permission denied\n" }
      : undefined
  );
  const swarm = new Swarm(runner);
  assert.equal(await swarm.removeObject("config", "old"), "removed");
  assert.equal(await swarm.removeObject("config", "busy"), "in_use");
  assert.equal(await swarm.removeObject("secret", "gone"), "gone");
  await assert.rejects(
    swarm.removeObject("config", "denied"),
    /docker config rm failed \(exit 1\): permission denied/,
  );
});

Deno.test("Swarm.leftOn() sees a removed stack's containers or networks until both lists are empty", async () => {
  const answers = [
    { ps: "c1\n", network: "" },
    { ps: "", network: "n1\n" },
    { ps: "", network: "" },
  ];
  let look = 0;
  const runner = fakeRunner((cmd) => {
    const now = answers[Math.floor(look++ / 2)]!;
    return { stdout: cmd[1] === "ps" ? now.ps : now.network };
  });
  const swarm = new Swarm(runner);
  assert.deepEqual(
    [await swarm.leftOn("web"), await swarm.leftOn("web"), await swarm.leftOn("web")],
    [true, true, false],
  );
  assert.deepEqual(runner.calls[0]?.cmd, [
    "docker",
    "ps",
    "-aq",
    "--filter",
    "label=com.docker.stack.namespace=web",
  ]);
});
