import assert from "node:assert/strict";
import { programOrigin, VERSION, versionLine } from "../lib/about.ts";
import { fakeRunner } from "./_fakes.ts";
import meta from "../deno.json" with { type: "json" };

Deno.test("VERSION is the version of deno.json", () => {
  assert.equal(VERSION, meta.version);
});

Deno.test("versionLine() names the commit a built file was made from", () => {
  assert.equal(
    versionLine("1.2.3", { built: "84fa9d2773a5" }),
    "autostack 1.2.3 (built from commit 84fa9d2773a5)",
  );
});

Deno.test("versionLine() says a run from the sources, with the checkout's commit when known", () => {
  assert.equal(
    versionLine("1.2.3", { checkout: "84fa9d2" }),
    "autostack 1.2.3 (source, commit 84fa9d2)",
  );
  assert.equal(versionLine("1.2.3", "source"), "autostack 1.2.3 (source)");
});

Deno.test("programOrigin() from the sources asks git for the checkout's commit", async () => {
  const runner = fakeRunner(() => ({ code: 0, stdout: "84fa9d2773a5\n", stderr: "" }));
  assert.deepEqual(await programOrigin(runner), { checkout: "84fa9d2773a5" });
  assert.match(runner.calls[0]!.cmd.join(" "), /^git -C .* rev-parse --short=12 HEAD$/);
});

Deno.test("programOrigin() says source when git cannot tell", async () => {
  const runner = fakeRunner(() => ({ code: 128, stdout: "", stderr: "not a git repository" }));
  assert.equal(await programOrigin(runner), "source");
});
