import assert from "node:assert/strict";
import {
  errorJson,
  ErrorJsonSchema,
  HistoryJsonSchema,
  jsonDocument,
  outcomeJson,
  planJson,
  PlanJsonSchema,
  reportOutcomes,
  RunJsonSchema,
  type StackStatus,
  statusJson,
  StatusJsonSchema,
} from "../../lib/commands/mod.ts";
import type { PlanItem } from "../../lib/deploy/mod.ts";
import type { HistoryEntry } from "../../lib/outcome.ts";

const HEAD = { commit: "c".repeat(40), tree: "t".repeat(40) };
const ENTRY: HistoryEntry = {
  time: "2026-11-28T06:00:00.000Z",
  stack: "web",
  commit: "c".repeat(40),
  tree: "a".repeat(40),
  method: "simple",
  result: "deployed",
  duration_ms: 1500,
  message: "healthy",
  services: [],
  project: "web",
};

Deno.test("planJson() names each stack `stack` and gives [] for no files, never null", () => {
  const item: PlanItem = { name: "api", status: "unchanged", why: "", action: "none" };
  const doc = PlanJsonSchema.parse(JSON.parse(planJson([item], HEAD, [])));
  assert.equal(doc.schema_version, 1);
  assert.deepEqual(doc.stacks[0], {
    stack: "api",
    status: "unchanged",
    action: "none",
    mode: null,
    why: "",
    path: null,
    tree: null,
    deployed: null,
    files: [],
    problems: [],
    warnings: [],
  });
});

Deno.test("reportOutcomes() --json prints one run document with `at` for each entry's time", () => {
  const out: string[] = [];
  reportOutcomes([ENTRY], true, HEAD.commit, { out: (l) => out.push(l), err: () => {} });
  assert.equal(out.length, 1);
  const doc = RunJsonSchema.parse(JSON.parse(out[0]!));
  assert.equal(doc.results[0]?.at, ENTRY.time);
  assert.equal("time" in doc.results[0]!, false);
});

Deno.test("outcomeJson() fits the history document; a time without Z does not", () => {
  const doc = JSON.parse(jsonDocument({ entries: [outcomeJson(ENTRY)] }));
  assert.equal(HistoryJsonSchema.parse(doc).entries[0]?.stack, "web");
  const local = { ...doc, entries: [{ ...doc.entries[0], at: "2026-11-28 06:00:00" }] };
  assert.equal(HistoryJsonSchema.safeParse(local).success, false);
});

Deno.test("statusJson() groups the last outcome as { result, at, message } and a mark with `at`", () => {
  const s: StackStatus = {
    stack: "web",
    project: "web",
    commit: null,
    tree: null,
    pending: false,
    health: "down",
    services: "0/0",
    last_result: "failed",
    last_time: ENTRY.time,
    last_message: "not healthy",
    bad: { tree: "a", commit: "c", marked_at: ENTRY.time, reason: "r" },
  };
  const doc = StatusJsonSchema.parse(JSON.parse(jsonDocument({ stacks: [statusJson(s)] })));
  assert.deepEqual(doc.stacks[0]?.last, {
    result: "failed",
    at: ENTRY.time,
    message: "not healthy",
  });
  assert.deepEqual(doc.stacks[0]?.bad, { tree: "a", commit: "c", at: ENTRY.time, reason: "r" });
  const none = statusJson({
    ...s,
    last_result: null,
    last_time: null,
    last_message: null,
    bad: null,
  });
  assert.equal(
    StatusJsonSchema.parse(JSON.parse(jsonDocument({ stacks: [none] }))).stacks[0]?.last,
    null,
  );
});

Deno.test("errorJson() is one document with the message and the exit code", () => {
  assert.deepEqual(ErrorJsonSchema.parse(JSON.parse(errorJson("run: no", 2))), {
    schema_version: 1,
    error: { message: "run: no", code: 2 },
  });
});
