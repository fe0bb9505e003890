import assert from "node:assert/strict";
import { doneLine, doneProgress } from "../../lib/deploy/mod.ts";
import type { HistoryEntry } from "../../lib/outcome.ts";

const entry = (over: Partial<HistoryEntry>): HistoryEntry => ({
  time: "2026-11-28T06:00:00.000Z",
  stack: "web",
  commit: "c",
  tree: "t",
  method: "simple",
  result: "deployed",
  duration_ms: 3400,
  message: "healthy",
  services: [],
  ...over,
});

Deno.test("doneLine() ticks a success and crosses a failure, with its reason", () => {
  assert.equal(doneLine(entry({})), "✔ web deployed 3.4s");
  assert.equal(
    doneLine(
      entry({ stack: "api", result: "rolled_back", duration_ms: 5000, message: "unhealthy" }),
    ),
    "✘ api rolled_back 5.0s: unhealthy",
  );
});

Deno.test("doneProgress() writes a line per stack on a terminal and nothing off one", () => {
  const lines: string[] = [];
  assert.equal(doneProgress(false, (l) => lines.push(l)), undefined);
  doneProgress(true, (l) => lines.push(l))!(entry({ result: "removed", duration_ms: 200 }));
  assert.deepEqual(lines, ["✔ web removed 200ms"]);
});
