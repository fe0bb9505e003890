import assert from "node:assert/strict";
import { evaluateSwarm, type SwarmService, type SwarmTask } from "../../lib/docker/mod.ts";

const service = (name: string, desired: number | undefined, over: Partial<SwarmService> = {}) => ({
  id: name,
  name: `s_${name}`,
  mode: desired === undefined ? "replicated-job" : "replicated",
  desired,
  updateState: "",
  updateMessage: "",
  ...over,
});
const task = (name: string, state: string, error = "", desired = "running"): SwarmTask => ({
  id: `${name}-${state}`,
  service: `s_${name}`,
  desired,
  state,
  error,
});

Deno.test("evaluateSwarm() is healthy when every service runs its desired count of current tasks", () => {
  const verdict = evaluateSwarm("s", [service("web", 2)], [
    task("web", "running"),
    task("web", "running"),
  ]);
  assert.deepEqual(verdict, { status: "healthy" });
});

Deno.test("evaluateSwarm() waits for tasks still starting (a healthcheck not passed yet) and names the count", () => {
  const verdict = evaluateSwarm("s", [service("web", 2)], [
    task("web", "running"),
    task("web", "starting"),
  ]);
  assert.deepEqual(verdict, {
    status: "waiting",
    faults: [{ service: "web", state: "1/2 running", detail: "" }],
  });
});

Deno.test("evaluateSwarm() does not wait on jobs or replicas: 0", () => {
  const verdict = evaluateSwarm("s", [service("job", undefined), service("off", 0)], []);
  assert.deepEqual(verdict, { status: "healthy" });
});

Deno.test("evaluateSwarm() fails at once when Swarm paused or rolled back an update, quoting the newest task error", () => {
  const verdict = evaluateSwarm("s", [
    service("web", 2, { updateState: "rollback_completed", updateMessage: "rollback completed" }),
    service("db", 1, { updateState: "paused", updateMessage: "update paused due to failure" }),
  ], [
    task("web", "running"),
    task("web", "failed", "task: non-zero exit (137)", "shutdown"),
    task("web", "failed", "older error", "shutdown"),
  ]);
  assert.deepEqual(verdict, {
    status: "failed",
    faults: [
      { service: "web", state: "rolled back by Swarm", detail: "task: non-zero exit (137)" },
      { service: "db", state: "update paused by Swarm", detail: "update paused due to failure" },
    ],
  });
});

Deno.test("evaluateSwarm() waits while a stack has no service yet", () => {
  assert.equal(evaluateSwarm("s", [], []).status, "waiting");
});
