import assert from "node:assert/strict";
import { healthLabel, Metrics } from "../../lib/watch/mod.ts";
import type { StackStatus } from "../../lib/commands/mod.ts";

function stack(health: string, bad = false): StackStatus {
  return {
    stack: "s",
    project: "s",
    commit: null,
    tree: null,
    pending: false,
    health,
    services: "0/0",
    last_result: null,
    last_time: null,
    last_message: null,
    bad: bad ? { tree: "t", commit: "c", marked_at: "now", reason: "r" } : null,
  };
}

Deno.test("healthLabel() keeps the health word of status, without the details", () => {
  assert.equal(healthLabel("healthy"), "healthy");
  assert.equal(healthLabel("unhealthy: web: exited (1)"), "unhealthy");
  assert.equal(healthLabel("not healthy: web: starting"), "not_healthy");
});

Deno.test("Metrics renders runs, durations, deploys, stacks by health, bad marks and the fetch time", async () => {
  const metrics = new Metrics();
  metrics.recordRun("ok", 1500);
  metrics.recordRun("error", 200);
  metrics.recordEntries([
    {
      time: "t",
      stack: "web",
      commit: "c",
      tree: "t",
      method: "simple",
      result: "rolled_back",
      duration_ms: 1,
      message: "m",
      services: [],
    },
  ]);
  metrics.recordStatus([stack("healthy"), stack("healthy"), stack("unhealthy: x", true)]);
  metrics.recordFetch(new Date(1_700_000_000_000));
  const text = await metrics.text();
  assert.match(text, /^autostack_runs_total\{result="ok"\} 1$/m);
  assert.match(text, /^autostack_runs_total\{result="error"\} 1$/m);
  assert.match(text, /^autostack_runs_total\{result="locked"\} 0$/m);
  assert.match(text, /^autostack_run_duration_seconds_bucket\{le="2"\} 2$/m);
  assert.match(text, /^autostack_run_duration_seconds_count 2$/m);
  assert.match(text, /^autostack_deploys_total\{stack="web",result="rolled_back"\} 1$/m);
  assert.match(text, /^autostack_stacks\{health="healthy"\} 2$/m);
  assert.match(text, /^autostack_stacks\{health="unhealthy"\} 1$/m);
  assert.match(text, /^autostack_stacks\{health="down"\} 0$/m);
  assert.match(text, /^autostack_bad_marks 1$/m);
  assert.match(text, /^autostack_last_successful_fetch_timestamp_seconds 1700000000$/m);
  assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
});

Deno.test("Metrics instances do not share a registry", async () => {
  const a = new Metrics();
  const b = new Metrics();
  a.recordRun("ok", 1);
  assert.match(await b.text(), /^autostack_runs_total\{result="ok"\} 0$/m);
});
