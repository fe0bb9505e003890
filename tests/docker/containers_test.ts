/**
 * Unit tests of the per-host project list (one `docker ps` per run).
 * @module
 */
import { DockerDownError, HostError } from "../../lib/errors.ts";
import { fakeRunner } from "../_fakes.ts";
import assert from "node:assert/strict";
import { CONTAINER_FORMAT, listProjects, parseProjectList } from "../../lib/docker/mod.ts";
import { ComposeError } from "../../lib/errors.ts";

Deno.test("parseProjectList() counts containers and running ones per project", () => {
  const out = "web\trunning\nweb\texited\ndb\trunning\nweb\trunning\nbatch\tcreated\n";
  assert.deepEqual(
    new Map(
      [...parseProjectList(out)].map((
        [k, { project, containers, running }],
      ): [string, { project: string; containers: number; running: number }] => [k, {
        project,
        containers,
        running,
      }]),
    ),
    new Map([
      ["web", { project: "web", containers: 3, running: 2 }],
      ["db", { project: "db", containers: 1, running: 1 }],
      ["batch", { project: "batch", containers: 1, running: 0 }],
    ]),
  );
});

Deno.test("parseProjectList() reads service, health and exit code from the status text", () => {
  const out = [
    "web\trunning\tapp\tUp 3 minutes (healthy)\tabc\tweb-app-1",
    "web\texited\tjob\tExited (1) 2 seconds ago\tdef\tweb-job-1",
    "web\trunning\tdb\tUp 2 seconds (health: starting)\tghi\tweb-db-1",
  ].join("\n");
  const list = parseProjectList(out).get("web")?.list;
  assert.deepEqual(list?.map((c) => [c.service, c.state, c.health, c.exitCode, c.id]), [
    ["app", "running", "healthy", 0, "abc"],
    ["job", "exited", "", 1, "def"],
    ["db", "running", "starting", 0, "ghi"],
  ]);
});

Deno.test("parseProjectList() returns an empty map for no containers", () => {
  assert.equal(parseProjectList("").size, 0);
  assert.equal(parseProjectList("\n").size, 0);
});

Deno.test("parseProjectList() throws a ComposeError on a line without a project", () => {
  assert.throws(() => parseProjectList("web\trunning\ngarbage\n"), (e: unknown) => {
    assert.ok(e instanceof ComposeError);
    assert.match(e.message, /line 2: expected "PROJECT<TAB>STATE": garbage/);
    return true;
  });
});

Deno.test("listProjects() makes one ps call filtered by the compose project label", async () => {
  const runner = fakeRunner(() => ({ stdout: "web\trunning\n" }));
  const projects = await listProjects(runner, "podman");
  assert.deepEqual(runner.calls.map((c) => c.cmd), [[
    "podman",
    "ps",
    "-a",
    "--filter",
    "label=com.docker.compose.project",
    "--format",
    CONTAINER_FORMAT,
  ]]);
  assert.equal(projects.get("web")?.running, 1);
});

Deno.test("listProjects() throws a ComposeError when the engine fails", async () => {
  const runner = fakeRunner(() => ({ code: 1, stderr: "unknown flag: --filter\n" }));
  await assert.rejects(() => listProjects(runner), /docker ps failed \(exit 1\): unknown flag/);
});

Deno.test("listProjects() throws a DockerDownError, a host fault, when the daemon does not answer", async () => {
  const runner = fakeRunner(() => ({
    code: 1,
    stderr:
      "Cannot connect to the Docker daemon at unix:///nowhere.sock. Is the docker daemon running?\n",
  }));
  await assert.rejects(() => listProjects(runner), (e: unknown) => {
    assert.ok(e instanceof DockerDownError && e instanceof HostError);
    assert.match(e.message, /^Docker does not answer: Cannot connect/);
    return true;
  });
});
