import assert from "node:assert/strict";
import type { ContainerInfo } from "../../lib/docker/mod.ts";
import { formatStatus, healthWords } from "../../lib/commands/mod.ts";

const c = (over: Partial<ContainerInfo>): ContainerInfo => ({
  id: "x",
  name: "x",
  service: "web",
  state: "running",
  health: "",
  exitCode: 0,
  ...over,
});
const summary = (list: ContainerInfo[]) => ({
  project: "p",
  containers: list.length,
  running: list.filter((x) => x.state === "running").length,
  list,
});

Deno.test("healthWords() says healthy, stopped, down or what is at fault", () => {
  assert.equal(healthWords(undefined), "down");
  assert.equal(healthWords(summary([c({ health: "healthy" })])), "healthy");
  assert.equal(healthWords(summary([c({ state: "exited", exitCode: 143 })])), "stopped");
  assert.match(
    healthWords(summary([c({ state: "running", health: "unhealthy" })])),
    /not healthy: web: unhealthy/,
  );
  assert.match(healthWords(summary([c({ state: "exited", exitCode: 1 })])), /web: exited/);
});

Deno.test("formatStatus() aligns one line per stack with its live project and marks a pending deploy", () => {
  const lines = formatStatus([{
    stack: "web",
    project: "web-canary",
    commit: "abcdef123",
    tree: "123456789",
    pending: true,
    health: "healthy",
    last_result: "deployed",
    last_time: "2026-11-28T06:00:00.000Z",
    last_message: "healthy",
    bad: null,
  }]);
  assert.match(lines[0]!, /^STACK\s+PROJECT\s+COMMIT\s+TREE\s+HEALTH\s+LAST\s+WHEN\s+BAD$/);
  assert.match(
    lines[1]!,
    /^web\s+web-canary\s+abcdef1 \(pending\)\s+1234567\s+healthy\s+deployed\s+2026-11-28 06:00:00\s+-$/,
  );
});

Deno.test("waitingWords() names the services not healthy yet and the time left", async () => {
  const { waitingWords } = await import("../../lib/deploy/mod.ts");
  assert.equal(
    waitingWords(
      { status: "waiting", faults: [{ service: "web", state: "starting", detail: "" }] },
      2500,
      60_000,
    ),
    "2.5s of 1m00s: web starting",
  );
});
