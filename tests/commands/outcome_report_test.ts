import assert from "node:assert/strict";
import { localTime } from "../../lib/commands/_time.ts";
import { formatHistory, reportOutcomes } from "../../lib/commands/mod.ts";
import { formatTable } from "../../lib/table.ts";
import type { HistoryEntry } from "../../lib/outcome.ts";

const entry = (over: Partial<HistoryEntry>): HistoryEntry => ({
  time: "2026-11-28T06:00:00.000Z",
  stack: "web",
  commit: "abcdef1234",
  tree: "t",
  method: "simple",
  result: "deployed",
  duration_ms: 1500,
  message: "healthy",
  services: [],
  ...over,
});

Deno.test("reportOutcomes() prints nothing when nothing happened", () => {
  const out: string[] = [], err: string[] = [];
  reportOutcomes([], false, "c", { out: (l) => out.push(l), err: (l) => err.push(l) });
  assert.deepEqual([out, err], [[], []]);
});

Deno.test("reportOutcomes() prints successes on stdout and each failure once, on stderr only", () => {
  const out: string[] = [], err: string[] = [];
  reportOutcomes(
    [entry({}), entry({ stack: "db", result: "rolled_back", message: "db: unhealthy" })],
    false,
    "c",
    { out: (l) => out.push(l), err: (l) => err.push(l) },
  );
  assert.equal(out.length, 1);
  assert.match(out[0]!, /^web\s+deployed\s+abcdef1\s+1\.5s\s+healthy$/);
  assert.deepEqual(err, ['autostack: stack "db": rolled_back: db: unhealthy (commit abcdef1)']);
});

Deno.test("formatHistory() shows the newest entries as aligned lines", () => {
  const lines = formatHistory([entry({ result: "failed", message: "boom" })]);
  assert.match(
    lines[1]!,
    new RegExp(
      `^${
        localTime("2026-11-28T06:00:00.000Z").replace("+", "\\+")
      }\\s+web\\s+failed\\s+abcdef1\\s+simple\\s+1\\.5s\\s+boom$`,
    ),
  );
});

Deno.test("formatTable() pads columns to the widest cell", () => {
  assert.deepEqual(formatTable([["a", "bb", "c"], ["ccc", "d", "e"]]), [
    "a    bb  c",
    "ccc  d   e",
  ]);
});
