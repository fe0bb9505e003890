/**
 * Unit tests of the compose CLI layer: argument building, `ps` and `inspect`
 * parsing, and the thin wrapper's calls through a fake runner.
 * @module
 */
import { fakeRunner } from "../_fakes.ts";
import assert from "node:assert/strict";
import {
  Compose,
  composeArgs,
  type ComposeTarget,
  CONTAINER_FORMAT,
  containerListArgs,
  engineOf,
  parseContainerList,
  parseInspectHealth,
  parsePs,
} from "../../lib/docker/mod.ts";
import { ComposeError } from "../../lib/errors.ts";

const DOCKER = ["docker", "compose"];
const WEB: ComposeTarget = {
  command: DOCKER,
  project: "web",
  dir: "/b/running_stacks/web",
  files: ["/b/running_stacks/web/compose.yaml", "/b/running_stacks/web/prod.yaml"],
};

const PS_LINES = [
  `{"Command":"\\"httpd\\"","ExitCode":0,"Health":"healthy","ID":"77c57524200a","Name":"web-web-1","Project":"web","Service":"web","State":"running","Status":"Up 4 seconds (healthy)"}`,
  `{"ExitCode":1,"Health":"","ID":"406d54c28fae","Name":"web-migrate-1","Service":"migrate","State":"exited","Status":"Exited (1) 4 seconds ago"}`,
].join("\n");

Deno.test("composeArgs() puts project, directory and every file before the arguments", () => {
  assert.deepEqual(composeArgs(WEB, ["up", "-d"]), [
    "docker",
    "compose",
    "-p",
    "web",
    "--project-directory",
    "/b/running_stacks/web",
    "-f",
    "/b/running_stacks/web/compose.yaml",
    "-f",
    "/b/running_stacks/web/prod.yaml",
    "up",
    "-d",
  ]);
});

Deno.test("composeArgs() leaves out directory and files for file-less calls", () => {
  const target = { command: ["podman", "compose"], project: "db" };
  assert.deepEqual(composeArgs(target, ["down"]), ["podman", "compose", "-p", "db", "down"]);
});

Deno.test("engineOf() picks podman for podman commands and docker otherwise", () => {
  assert.equal(engineOf(["podman", "compose"]), "podman");
  assert.equal(engineOf(["/usr/bin/podman-compose"]), "podman");
  assert.equal(engineOf(["docker-compose"]), "docker");
  assert.equal(engineOf(["docker", "compose"]), "docker");
});

Deno.test("parsePs() reads one JSON object per line (compose >= 2.21)", () => {
  assert.deepEqual(parsePs(PS_LINES + "\n"), [
    {
      id: "77c57524200a",
      name: "web-web-1",
      service: "web",
      state: "running",
      health: "healthy",
      exitCode: 0,
    },
    {
      id: "406d54c28fae",
      name: "web-migrate-1",
      service: "migrate",
      state: "exited",
      health: "",
      exitCode: 1,
    },
  ]);
});

Deno.test("parsePs() reads a single JSON array (compose < 2.21)", () => {
  const array = `[${PS_LINES.split("\n").join(",")}]`;
  assert.deepEqual(parsePs(array), parsePs(PS_LINES));
});

Deno.test("parsePs() returns no containers for empty output", () => {
  assert.deepEqual(parsePs(""), []);
  assert.deepEqual(parsePs("[]\n"), []);
});

Deno.test("parsePs() takes a restarting container's exit code from its status", () => {
  const line =
    `{"ExitCode":0,"Health":"","ID":"a1","Name":"r-r-1","Service":"r","State":"restarting","Status":"Restarting (2) Less than a second ago"}`;
  assert.equal(parsePs(line)[0]?.exitCode, 2);
});

Deno.test("parsePs() throws a ComposeError naming the problem on garbage", () => {
  assert.throws(() => parsePs("Error: no such service"), (e: unknown) => {
    assert.ok(e instanceof ComposeError);
    assert.match(e.message, /compose ps line 1.*not JSON: Error: no such service/);
    return true;
  });
  assert.throws(() => parsePs(`{"ID":"x","Name":"n","State":"running"}`), (e: unknown) => {
    assert.ok(e instanceof ComposeError);
    assert.match(e.message, /entry 1.*Service/s);
    return true;
  });
  assert.throws(() => parsePs(`[{"ID":1}]`), ComposeError);
});

const INSPECT = JSON.stringify([
  {
    Id: "77c57524200affcf46d6b4caedbed7d11da3bd46d7075f5bbe28591dc1bf805e",
    State: {
      Status: "running",
      Health: {
        Status: "unhealthy",
        FailingStreak: 6,
        Log: [
          { Start: "s", End: "e", ExitCode: 1, Output: "first\n" },
          { Start: "s", End: "e", ExitCode: 1, Output: "wget: server returned error: 404\n" },
        ],
      },
    },
  },
  { Id: "406d54c28faeaf5133be", State: { Status: "exited" } },
]);

Deno.test("parseInspectHealth() keeps the last probe of each container with a healthcheck", () => {
  assert.deepEqual(
    parseInspectHealth(INSPECT),
    new Map([[
      "77c57524200affcf46d6b4caedbed7d11da3bd46d7075f5bbe28591dc1bf805e",
      { exitCode: 1, output: "wget: server returned error: 404\n" },
    ]]),
  );
});

Deno.test("parseInspectHealth() reads podman's older Healthcheck field", () => {
  const podman = JSON.stringify([
    { Id: "abc", State: { Healthcheck: { Log: [{ ExitCode: 2, Output: "nope" }] } } },
  ]);
  assert.deepEqual(parseInspectHealth(podman).get("abc"), { exitCode: 2, output: "nope" });
});

Deno.test("parseInspectHealth() throws a ComposeError on garbage", () => {
  assert.throws(() => parseInspectHealth("{oops"), ComposeError);
  assert.throws(() => parseInspectHealth(`{"Id":"x"}`), /expected a JSON array/);
  assert.throws(() => parseInspectHealth(`[{"Id":"x"}]`), /entry 1/);
});

Deno.test("Compose.up() runs up -d --remove-orphans with the target's files", async () => {
  const runner = fakeRunner(() => ({}));
  await new Compose(runner, DOCKER).up(WEB, { timeoutMs: 5000 });
  assert.deepEqual(runner.calls[0]?.cmd, composeArgs(WEB, ["up", "-d", "--remove-orphans"]));
  assert.equal(runner.calls[0]?.options.timeoutMs, 5000);
});

Deno.test("Compose.up() throws a ComposeError naming the project with compose's last stderr lines", async () => {
  const stderr = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n") +
    "\nError response from daemon: could not find an available address pool\n";
  const compose = new Compose(fakeRunner(() => ({ code: 1, stderr })), DOCKER);
  await assert.rejects(() => compose.up(WEB), (e: unknown) => {
    assert.ok(e instanceof ComposeError);
    assert.match(e.message, /^compose up failed for project "web" \(exit 1\): /);
    assert.match(e.message, /address pool$/);
    assert.doesNotMatch(e.message, /line 5\n/);
    return true;
  });
});

Deno.test("Compose.up() reports a timeout as such", async () => {
  const compose = new Compose(fakeRunner(() => ({ code: 124 })), DOCKER);
  await assert.rejects(() => compose.up(WEB, { timeoutMs: 1000 }), /timed out after 1\.0s/);
});

Deno.test("Compose.down() never passes -v, so volumes are kept", async () => {
  const runner = fakeRunner(() => ({}));
  const compose = new Compose(runner, DOCKER);
  await compose.down({ command: DOCKER, project: "web" });
  await compose.stop({ command: DOCKER, project: "web" });
  await compose.start({ command: DOCKER, project: "web" });
  assert.deepEqual(runner.calls.map((c) => c.cmd), [
    ["docker", "compose", "-p", "web", "down", "--remove-orphans"],
    ["docker", "compose", "-p", "web", "stop"],
    ["docker", "compose", "-p", "web", "start"],
  ]);
  assert.ok(runner.calls.every((c) => !c.cmd.includes("-v") && !c.cmd.includes("--volumes")));
});

Deno.test("Compose.ps() asks by project label, without files, and parses the answer", async () => {
  const runner = fakeRunner(() => ({ stdout: PS_LINES }));
  const containers = await new Compose(runner, DOCKER).ps("web");
  assert.deepEqual(runner.calls[0]?.cmd, [
    "docker",
    "compose",
    "-p",
    "web",
    "ps",
    "-a",
    "--format",
    "json",
  ]);
  assert.deepEqual(containers.map((c) => c.service), ["web", "migrate"]);
});

Deno.test("Compose.services() lists the services of config --services", async () => {
  const runner = fakeRunner(() => ({ stdout: "db\nweb\n" }));
  assert.deepEqual(await new Compose(runner, DOCKER).services(WEB), ["db", "web"]);
  assert.deepEqual(runner.calls[0]?.cmd, composeArgs(WEB, ["config", "--services"]));
});

Deno.test("Compose.services() refuses a target without dir or files", async () => {
  const compose = new Compose(fakeRunner(() => ({})), DOCKER);
  await assert.rejects(() => compose.services({ command: DOCKER, project: "x" }), TypeError);
});

Deno.test("Compose.inspectHealth() makes one inspect call and keys probes by the ids given", async () => {
  const runner = fakeRunner(() => ({ code: 1, stdout: INSPECT, stderr: "No such object: gone" }));
  const probes = await new Compose(runner, ["podman", "compose"]).inspectHealth([
    "77c57524200a",
    "406d54c28fae",
    "gone",
  ]);
  assert.equal(runner.calls.length, 1);
  assert.deepEqual(runner.calls[0]?.cmd, [
    "podman",
    "inspect",
    "77c57524200a",
    "406d54c28fae",
    "gone",
  ]);
  assert.deepEqual([...probes.keys()], ["77c57524200a"]);
  assert.equal(probes.get("77c57524200a")?.exitCode, 1);
});

Deno.test("Compose.inspectHealth() throws when inspect printed nothing", async () => {
  const compose = new Compose(fakeRunner(() => ({ code: 1, stderr: "daemon down" })), DOCKER);
  await assert.rejects(() => compose.inspectHealth(["a"]), /docker inspect failed.*daemon down/);
});

const LIST = [
  "web\trunning\tapp\tUp 4 seconds (health: starting)\t77c57524200a\tweb-app-1\tFalse",
  "web\texited\tmigrate\tExited (1) 4 seconds ago\t406d54c28fae\tweb-migrate-1\tFalse",
  "web\texited\tapp\tExited (0) 9 seconds ago\t99aa\tweb-app-run-1f2e\tTrue",
  "other\trunning\tapp\tUp 1 hour\t11bb\tother-app-1\tFalse",
].join("\n");

Deno.test("containerListArgs() asks the engine's ps for one project, by label", () => {
  assert.deepEqual(containerListArgs("podman", "web"), [
    "podman",
    "ps",
    "-a",
    "--filter",
    "label=com.docker.compose.project=web",
    "--format",
    CONTAINER_FORMAT,
  ]);
});

Deno.test("parseContainerList() reads state, health and exit code, without one-offs or other projects", () => {
  assert.deepEqual(parseContainerList(LIST, "web"), [
    {
      id: "77c57524200a",
      name: "web-app-1",
      service: "app",
      state: "running",
      health: "starting",
      exitCode: 0,
    },
    {
      id: "406d54c28fae",
      name: "web-migrate-1",
      service: "migrate",
      state: "exited",
      health: "",
      exitCode: 1,
    },
  ]);
  assert.deepEqual(parseContainerList("", "web"), []);
});

Deno.test("Compose.containers() asks docker ps, not compose, for a project's containers", async () => {
  const runner = fakeRunner(() => ({ stdout: LIST }));
  const containers = await new Compose(runner, DOCKER).containers("web");
  assert.deepEqual(runner.calls.map((c) => c.cmd), [containerListArgs("docker", "web")]);
  assert.deepEqual(containers.map((c) => c.service), ["app", "migrate"]);
});

Deno.test("Compose.containers() falls back on compose ps when the engine's ps cannot answer", async () => {
  const runner = fakeRunner((cmd) =>
    cmd[1] === "ps" ? { code: 125, stderr: 'template: function "Label" not defined' } : {
      stdout: PS_LINES,
    }
  );
  const compose = new Compose(runner, ["podman", "compose"]);
  assert.deepEqual((await compose.containers("web")).map((c) => c.service), ["web", "migrate"]);
  await compose.containers("web");
  // After one failed try, compose ps is asked directly.
  assert.deepEqual(runner.calls.map((c) => c.cmd[1]), ["ps", "compose", "compose"]);
});
