import assert from "node:assert/strict";
import {
  notManager,
  parseObjects,
  parseServices,
  parseStacks,
  parseTasks,
  stackDeployArgs,
  Swarm,
} from "../../lib/docker/mod.ts";
import { ComposeError } from "../../lib/errors.ts";
import { fakeEngine, fakeRunner } from "../_fakes.ts";

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
  "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state.";
const NO_SWARM =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

Deno.test("notManager() tells Docker's words for a worker and for no swarm from other failures", () => {
  assert.equal(notManager(WORKER), true);
  assert.equal(notManager(NO_SWARM), true);
  assert.equal(notManager("Error response from daemon: rpc error: code = Unavailable"), false);
});

/** A service as the engine's `GET /services` answers it. */
function serviceObject(id: string, name: string, mode: object, more: object = {}) {
  return {
    ID: id,
    Spec: { Name: name, Labels: { "com.docker.stack.namespace": "s" }, Mode: mode },
    ...more,
  };
}

for (const [what, message] of [["a worker", WORKER], ["an engine in no swarm", NO_SWARM]]) {
  Deno.test(`Swarm.role() is none on ${what}, and asks the engine once per run`, async () => {
    const engine = fakeEngine(() => ({ status: 503, body: { message } }));
    const swarm = new Swarm(fakeRunner(() => undefined), engine);
    assert.equal(await swarm.role(), "none");
    assert.equal(await swarm.stacks(), undefined);
    assert.deepEqual(engine.calls.map((c) => [c.method, c.path]), [["GET", "/services"]]);
  });
}

Deno.test("Swarm.role() is manager where the engine lists services, and its stacks are kept", async () => {
  const engine = fakeEngine(() => ({
    body: [serviceObject("a", "s_web", { Global: {} }), serviceObject("b", "s_db", { Global: {} })],
  }));
  const swarm = new Swarm(fakeRunner(() => undefined), engine);
  assert.equal(await swarm.role(), "manager");
  assert.deepEqual([...await swarm.stacks() ?? []], [["s", 2]]);
  assert.equal(engine.calls.length, 1);
  assert.deepEqual(engine.calls[0]?.query, { filters: { label: ["com.docker.stack.namespace"] } });
});

Deno.test("Swarm.stacks() throws other failures in the engine's words and asks again next time", async () => {
  let calls = 0;
  const engine = fakeEngine(() =>
    ++calls === 1 ? { status: 500, body: { message: "rpc error: code = DeadlineExceeded" } } : {}
  );
  const swarm = new Swarm(fakeRunner(() => undefined), engine);
  await assert.rejects(
    swarm.stacks(),
    /docker service ls failed: rpc error: code = DeadlineExceeded/,
  );
  assert.equal(await swarm.role(), "manager");
});

Deno.test("parseStacks() counts the services of each stack label and skips services of no stack", () => {
  const plain = { ID: "p", Spec: { Name: "plain", Mode: { Global: {} } } };
  const other = serviceObject("o", "db_pg", { Global: {} });
  other.Spec.Labels = { "com.docker.stack.namespace": "db" };
  const stacks = parseStacks([
    serviceObject("a", "s_web", { Global: {} }),
    serviceObject("b", "s_api", { Global: {} }),
    other,
    plain,
  ]);
  assert.deepEqual([...stacks], [["s", 2], ["db", 1]]);
});

Deno.test("parseServices() reads each mode's desired count and Swarm's update state, none when absent", () => {
  const services = parseServices([
    serviceObject("w", "s_web", { Replicated: { Replicas: 2 } }, {
      UpdateStatus: { State: "paused", Message: "update paused" },
      ServiceStatus: { RunningTasks: 1, DesiredTasks: 2 },
    }),
    serviceObject("g", "s_agent", { Global: {} }, { ServiceStatus: { DesiredTasks: 3 } }),
    serviceObject("j", "s_once", { ReplicatedJob: {} }),
    serviceObject("d", "s_default", { Replicated: {} }),
  ]);
  assert.deepEqual(services, [
    {
      id: "w",
      name: "s_web",
      mode: "replicated",
      desired: 2,
      updateState: "paused",
      updateMessage: "update paused",
    },
    { id: "g", name: "s_agent", mode: "global", desired: 3, updateState: "", updateMessage: "" },
    {
      id: "j",
      name: "s_once",
      mode: "replicated-job",
      desired: undefined,
      updateState: "",
      updateMessage: "",
    },
    {
      id: "d",
      name: "s_default",
      mode: "replicated",
      desired: 1,
      updateState: "",
      updateMessage: "",
    },
  ]);
});

Deno.test("parseServices() refuses an answer that is no service list, naming the field", () => {
  assert.throws(() => parseServices({ message: "x" }), ComposeError);
  assert.throws(
    () => parseServices([{ ID: "w", Spec: { Mode: {} } }]),
    /cannot read the engine's services at 0\.Spec\.Name/,
  );
});

Deno.test("parseTasks() names each task's service, puts the newest first, and drops other services' tasks", () => {
  const services = parseServices([
    serviceObject("w", "s_web", { Replicated: { Replicas: 1 } }),
    serviceObject("a", "s_web_api", { Replicated: { Replicas: 1 } }),
  ]);
  const task = (id: string, service: string, created: string, state: string, err?: string) => ({
    ID: id,
    ServiceID: service,
    CreatedAt: created,
    DesiredState: state === "failed" ? "shutdown" : "running",
    Status: { State: state, ...(err ? { Err: err } : {}) },
  });
  const tasks = parseTasks([
    task("t1", "a", "2026-12-01T10:00:00.5Z", "failed", "task: non-zero exit (1)"),
    task("t2", "w", "2026-12-01T10:00:01Z", "running"),
    task("t3", "a", "2026-12-01T10:00:02Z", "starting"),
    task("t4", "other", "2026-12-01T10:00:03Z", "running"),
  ], services);
  assert.deepEqual(tasks.map((t) => [t.id, t.service, t.desired, t.state, t.error]), [
    ["t3", "s_web_api", "running", "starting", ""],
    ["t2", "s_web", "running", "running", ""],
    ["t1", "s_web_api", "shutdown", "failed", "task: non-zero exit (1)"],
  ]);
  assert.throws(() => parseTasks([{ ID: "t" }], services), /cannot read the engine's tasks/);
});

Deno.test("Swarm.services() and currentTasks() ask the engine by stack label and by service id", async () => {
  const engine = fakeEngine((request) =>
    request.path === "/services"
      ? { body: [serviceObject("w", "s_web", { Replicated: { Replicas: 1 } })] }
      : {
        body: [{
          ID: "t",
          ServiceID: "w",
          CreatedAt: "2026-12-01T10:00:00Z",
          DesiredState: "running",
          Status: { State: "running" },
        }],
      }
  );
  const swarm = new Swarm(fakeRunner(() => undefined), engine);
  const services = await swarm.services("s");
  assert.deepEqual((await swarm.currentTasks(services)).map((t) => t.service), ["s_web"]);
  assert.deepEqual(engine.calls.map((c) => [c.path, c.query]), [
    ["/services", { status: "true", filters: { label: ["com.docker.stack.namespace=s"] } }],
    ["/tasks", { filters: { service: ["w"], "_up-to-date": ["true"] } }],
  ]);
  assert.deepEqual(await swarm.currentTasks([]), [], "no services: nothing asked");
  assert.equal(engine.calls.length, 2);
});

Deno.test("Swarm.deploy() sends the deploy again when Swarm says the update is out of sequence", async () => {
  let calls = 0;
  const runner = fakeRunner(() =>
    ++calls === 1 ? { code: 1, stderr: "rpc error: update out of sequence" } : undefined
  );
  await new Swarm(runner, fakeEngine()).deploy("web", ["/r/compose.yaml"], { A: "1" });
  assert.equal(runner.calls.length, 2);
  assert.deepEqual(runner.calls[1]?.options.env, { A: "1" });
  const failing = fakeRunner(() => ({ code: 1, stderr: "service web: invalid mount config" }));
  await assert.rejects(
    () => new Swarm(failing, fakeEngine()).deploy("web", ["/r/compose.yaml"]),
    /docker stack deploy failed \(exit 1\): service web: invalid mount config/,
  );
  assert.equal(failing.calls.length, 1);
});

Deno.test("Swarm.objects() lists a stack's configs or secrets by its label; parseObjects() refuses anything else", async () => {
  const engine = fakeEngine(() => ({
    body: [{ ID: "9l", Spec: { Name: "web_a_1" } }, { ID: "0k", Spec: { Name: "web_b_2" } }],
  }));
  const swarm = new Swarm(fakeRunner(() => undefined), engine);
  assert.deepEqual(await swarm.objects("secret", "web"), ["web_a_1", "web_b_2"]);
  assert.deepEqual(engine.calls.map((c) => [c.path, c.query]), [
    ["/secrets", { filters: { label: ["com.docker.stack.namespace=web"] } }],
  ]);
  assert.deepEqual(parseObjects([], "config"), []);
  assert.throws(() => parseObjects([{ ID: "9l" }], "config"), /the engine's configs at 0\.Spec/);
});

Deno.test("Swarm.removeObject() tells removed, in use and gone apart, and throws the rest", async () => {
  const engine = fakeEngine((request) =>
    request.path === "/configs/busy"
      ? {
        status: 400,
        body: { message: "config 'busy' is in use by the following service: web_app" },
      }
      : request.path === "/secrets/gone"
      ? { status: 404, body: { message: "secret gone not found" } }
      : request.path === "/configs/denied"
      ? { status: 500, body: { message: "permission denied" } }
      : { status: 204, body: undefined }
  );
  const swarm = new Swarm(fakeRunner(() => undefined), engine);
  assert.equal(await swarm.removeObject("config", "old"), "removed");
  assert.equal(await swarm.removeObject("config", "busy"), "in_use");
  assert.equal(await swarm.removeObject("secret", "gone"), "gone");
  await assert.rejects(
    swarm.removeObject("config", "denied"),
    /docker config rm denied failed: permission denied/,
  );
  assert.deepEqual(engine.calls[0], { method: "DELETE", path: "/configs/old" });
});

Deno.test("Swarm.leftOn() sees a removed stack's containers or networks until both lists are empty", async () => {
  const answers = [
    { containers: [{ Id: "c1" }], networks: [] },
    { containers: [], networks: [{ Id: "n1" }] },
    { containers: [], networks: [] },
  ];
  let look = 0;
  const engine = fakeEngine((request) => {
    const now = answers[Math.floor(look++ / 2)]!;
    return { body: request.path === "/containers/json" ? now.containers : now.networks };
  });
  const swarm = new Swarm(fakeRunner(() => undefined), engine);
  assert.deepEqual(
    [await swarm.leftOn("web"), await swarm.leftOn("web"), await swarm.leftOn("web")],
    [true, true, false],
  );
  assert.deepEqual(engine.calls[0], {
    method: "GET",
    path: "/containers/json",
    query: { all: "true", filters: { label: ["com.docker.stack.namespace=web"] } },
  });
  const failing = new Swarm(fakeRunner(() => undefined), fakeEngine(() => ({ status: 500 })));
  assert.equal(await failing.leftOn("web"), true, "a list that fails counts as something left");
});

Deno.test("Swarm.missing() asks the engine for each name once, side by side, and names what is absent", async () => {
  const engine = fakeEngine((request) =>
    request.path.includes("absent")
      ? { status: 404, body: { message: "No such image" } }
      : request.path.includes("broken")
      ? { status: 500, body: { message: "storage driver failed" } }
      : { body: {} }
  );
  const swarm = new Swarm(fakeRunner(() => undefined), engine);
  assert.deepEqual(
    await swarm.missing("image", ["127.0.0.1:5000/app:1", "absent:2", "127.0.0.1:5000/app:1"]),
    ["absent:2"],
  );
  assert.deepEqual(engine.calls.map((c) => c.path), [
    "/images/127.0.0.1%3A5000/app%3A1/json",
    "/images/absent%3A2/json",
  ]);
  assert.deepEqual(await swarm.missing("network", ["absent_net", "backend"]), ["absent_net"]);
  assert.deepEqual(engine.calls.slice(2).map((c) => c.path), [
    "/networks/absent_net",
    "/networks/backend",
  ]);
  await assert.rejects(
    swarm.missing("volume", ["broken"]),
    /docker volume inspect broken failed: storage driver failed/,
  );
});

Deno.test("Swarm.composeOn() tells whether a Compose project of the name has containers here", async () => {
  const engine = fakeEngine((request) => ({
    body: JSON.stringify(request.query).includes("com.docker.compose.project=web")
      ? [{ Id: "c" }]
      : [],
  }));
  const swarm = new Swarm(fakeRunner(() => undefined), engine);
  assert.equal(await swarm.composeOn("web"), true);
  assert.equal(await swarm.composeOn("api"), false);
  assert.deepEqual(engine.calls[0]?.query, {
    all: "true",
    filters: { label: ["com.docker.compose.project=web"] },
  });
});
