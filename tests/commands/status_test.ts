import assert from "node:assert/strict";
import { localTime } from "../../lib/commands/_time.ts";
import type { ContainerInfo } from "../../lib/docker/mod.ts";
import {
  currentMark,
  formatStatus,
  healthWords,
  isWell,
  servicesWords,
  type StackStatus,
  statusJson,
} from "../../lib/commands/mod.ts";

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
  workingDir: "/srv/web",
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
    services: "2/2",
    last_result: "deployed",
    last_time: "2026-11-28T06:00:00.000Z",
    last_message: "healthy",
    bad: null,
  }]);
  assert.match(
    lines[0]!,
    /^STACK\s+PROJECT\s+COMMIT\s+TREE\s+SERVICES\s+HEALTH\s+LAST\s+WHEN\s+BAD$/,
  );
  assert.match(
    lines[1]!,
    new RegExp(
      `^web\\s+web-canary\\s+abcdef1 \\(pending\\)\\s+1234567\\s+2/2\\s+healthy\\s+deployed\\s+${
        localTime("2026-11-28T06:00:00.000Z").replace("+", "\\+")
      }\\s+-$`,
    ),
  );
});

Deno.test("servicesWords() counts containers up and healthy, or done, of all of them", () => {
  assert.equal(servicesWords(undefined), "0/0");
  assert.equal(
    servicesWords(summary([
      c({ health: "healthy" }),
      c({ health: "" }),
      c({ health: "unhealthy" }),
      c({ state: "exited", exitCode: 0 }),
      c({ state: "exited", exitCode: 1 }),
    ])),
    "3/5",
  );
});

Deno.test("isWell() holds only for a deployed, healthy stack whose last outcome was not a failure", () => {
  const well: StackStatus = {
    stack: "web",
    project: "web",
    commit: "c1",
    tree: "t1",
    pending: false,
    health: "healthy",
    services: "1/1",
    last_result: "deployed",
    last_time: "2026-11-28T06:00:00.000Z",
    last_message: "healthy",
    bad: null,
  };
  assert.equal(isWell(well), true);
  assert.equal(isWell({ ...well, health: "unknown" }), false);
  assert.equal(isWell({ ...well, pending: true }), false);
  assert.equal(isWell({ ...well, health: "unhealthy: web: exited (exit code 1)" }), false);
  assert.equal(isWell({ ...well, last_result: "refused" }), false);
  const mark = { tree: "t2", commit: "c2", marked_at: "x", reason: "r" };
  assert.equal(isWell({ ...well, bad: mark }), false);
});

Deno.test("status shows the digests a stack runs, and a mark of another digest of its tree as not well", () => {
  const D1 = `sha256:${"1a".repeat(32)}`;
  const D2 = `sha256:${"2b".repeat(32)}`;
  const pin = (digest: string) => ({ service: "app", image: "reg.lan/app:stable", digest });
  const well: StackStatus = {
    stack: "web",
    project: "web",
    commit: "abcdef123",
    tree: "123456789",
    images: [pin(D1)],
    pending: false,
    health: "healthy",
    services: "1/1",
    last_result: "deployed",
    last_time: "2026-11-28T06:00:00.000Z",
    last_message: "healthy",
    bad: null,
  };
  assert.match(formatStatus([well])[1]!, /\s1234567 app@sha256:1a1a1a1a1a1a\s/);
  const mark = { tree: "123456789", commit: "c", marked_at: "x", reason: "r" };
  assert.equal(isWell({ ...well, bad: { ...mark, images: [pin(D1)] } }), true);
  assert.equal(isWell({ ...well, bad: { ...mark, images: [pin(D2)] } }), false);
  assert.deepEqual(statusJson(well).images, [pin(D1)]);
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

Deno.test("currentMark() shows a mark only while it is about the repo's version", () => {
  const mark = { tree: "t2", commit: "c2", marked_at: "2026-11-28T06:00:00.000Z", reason: "r" };
  const entry = (tree: string, time: string) => ({
    time,
    stack: "web",
    commit: "c",
    tree,
    method: "simple",
    result: "deployed" as const,
    duration_ms: 1,
    message: "",
    services: [],
  });
  assert.equal(currentMark(mark, undefined), true);
  assert.equal(currentMark(mark, entry("t2", "2026-11-28T07:00:00.000Z")), true);
  // Marked by hand (rollback) after the last run: still current.
  assert.equal(currentMark(mark, entry("t1", "2026-11-28T05:00:00.000Z")), true);
  // A fix was deployed since: the mark is history.
  assert.equal(currentMark(mark, entry("t3", "2026-11-28T07:00:00.000Z")), false);
});
