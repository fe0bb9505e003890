import assert from "node:assert/strict";
import type { BadMark, ImagePin, VersionInfo } from "../../lib/state/mod.ts";
import type { ProjectSummary } from "../../lib/docker/mod.ts";
import type { Stack } from "../../lib/repo/mod.ts";
import { type PlanInput, planRun } from "../../lib/deploy/mod.ts";
import { SETTINGS_DEFAULTS } from "../../lib/config/mod.ts";

const A = `sha256:${"1a2b".repeat(16)}`;
const B = `sha256:${"3c4d".repeat(16)}`;
const pin = (digest: string): ImagePin => ({ service: "web", image: "reg.lan/app:stable", digest });
const web: Stack = { name: "web", path: "stacks/web", composeFile: "compose.yaml", tree: "t1" };
const deployedWith = (digest?: string): VersionInfo => ({
  commit: "c0",
  tree: "t1",
  pending: false,
  ...(digest === undefined ? {} : { images: [pin(digest)] }),
});
const mark = (digest: string): BadMark => ({
  tree: "t1",
  commit: "c0",
  marked_at: "2026-12-01T10:00:00.000Z",
  reason: "not healthy",
  images: [pin(digest)],
});

function input(overrides: Partial<PlanInput>): PlanInput {
  const projects = new Map<string, ProjectSummary>([
    ["web", { project: "web", containers: 1, running: 1, list: [], workingDir: "" }],
  ]);
  return {
    stacks: [web],
    settings: new Map([["web", {
      settings: { ...SETTINGS_DEFAULTS, image_updates: true },
      source: "none",
      warnings: [],
      errors: [],
    }]]),
    deployed: new Map([["web", deployedWith(A)]]),
    bad: {},
    projects,
    hostname: "h",
    force: false,
    prune: false,
    only: [],
    ...overrides,
  };
}

Deno.test("planRun() marks a stack changed when a digest differs from the one deployed, and says which", () => {
  const [item] = planRun(input({ images: new Map([["web", [pin(B)]]]) }));
  assert.equal(item?.status, "changed");
  assert.equal(item?.why, "image web: sha256:1a2b1a2b1a2b… → sha256:3c4d3c4d3c4d…");
  assert.equal(item?.action, "deploy");
  assert.deepEqual(item?.action === "deploy" ? item.images : undefined, [pin(B)]);
});

Deno.test("planRun() leaves a stack whose digests are those deployed alone", () => {
  const [item] = planRun(input({ images: new Map([["web", [pin(A)]]]) }));
  assert.equal(item?.status, "unchanged");
});

Deno.test("planRun() compares trees only for a stack that does not follow its images", () => {
  const [item] = planRun(input({ images: new Map() }));
  assert.equal(item?.status, "unchanged");
});

Deno.test("planRun() deploys a stack once to pin images it has never recorded", () => {
  const [item] = planRun(input({
    deployed: new Map([["web", deployedWith()]]),
    images: new Map([["web", [pin(A)]]]),
  }));
  assert.equal(item?.why, "image web: not pinned → sha256:1a2b1a2b1a2b…");
});

Deno.test("planRun() skips a digest marked bad, and tries the next digest behind the tag", () => {
  const bad = { web: mark(B) };
  const [skipped] = planRun(input({ bad, images: new Map([["web", [pin(B)]]]) }));
  assert.equal(skipped?.status, "bad");
  assert.equal(skipped?.action, "skip_bad");
  const C = `sha256:${"5e6f".repeat(16)}`;
  const [tried] = planRun(input({ bad, images: new Map([["web", [pin(C)]]]) }));
  assert.equal(tried?.status, "changed");
  // The good version (the same tree, the old digest) is not the bad one.
  const [kept] = planRun(input({ bad, images: new Map([["web", [pin(A)]]]) }));
  assert.equal(kept?.status, "unchanged");
});

Deno.test("planRun() starts the deployed good digest again when the bad digest's stack lost its containers", () => {
  const [item] = planRun(input({
    bad: { web: mark(B) },
    images: new Map([["web", [pin(B)]]]),
    projects: new Map(),
  }));
  assert.equal(item?.action === "skip_bad" && item.restart, true);
});

Deno.test("planRun() keeps a stack whose new digest waits for image_min_age, and says until when", () => {
  const wait =
    "image web: sha256:3c4d3c4d3c4d… waits until 2026-12-03T10:00:00Z (image_min_age 2d)";
  const [held] = planRun(input({
    images: new Map([["web", [pin(A)]]]),
    imageWaits: new Map([["web", [wait]]]),
  }));
  assert.deepEqual([held?.status, held?.action, held?.why], ["unchanged", "none", wait]);
  // A commit deploys meanwhile, and says the digest still waits.
  const [moved] = planRun(input({
    stacks: [{ ...web, tree: "t2" }],
    images: new Map([["web", [pin(A)]]]),
    imageWaits: new Map([["web", [wait]]]),
  }));
  assert.deepEqual([moved?.status, moved?.why], ["changed", `${wait}; files changed`]);
});
