/**
 * No-op cycle: `autostack run` with N deployed, unchanged stacks (N = 10,
 * 100, 300), against the cron one-liner many hosts run instead
 * ({@link ONE_LINER}: `git pull`, then `docker compose up -d` in each folder)
 * in a clone of the same repo.
 * The stacks idle on the busybox image with `network_mode: none` (Docker's
 * default address pools hold only ~30 bridge networks) and no healthcheck.
 * Targets: flat in N (300 stacks within 1.5× of 10) and ≥ 15× faster than
 * the one-liner at 100 stacks.
 *
 * The {@link Fleet} is set up once: the largest repo is deployed by autostack
 * with `jobs: 8`; the smaller workspaces get copies of the state of their
 * stacks (docs/how-it-works.md#state: all state is plain files), so their stacks are deployed
 * and unchanged without being deployed a second time.
 * @module
 */
import { join } from "node:path";
import { StacksRepo, Workspace } from "../tests/e2e/_harness.ts";
import {
  alternate,
  atLeast,
  atMost,
  autostack,
  type AutostackRun,
  cleanup,
  type Comparison,
  copyTree,
  expectCode,
  fixture,
  fmt,
  idleCompose,
  log,
  must,
  side,
  tempDir,
  uniquePrefix,
} from "./_lib.ts";

/** The stack counts of the no-op benchmark. */
export const SIZES: readonly number[] = [10, 100, 300];

/** One stack count's repo, workspace (deployed, unchanged) and a plain clone for the one-liner. */
export interface Fleet {
  /** Workspace and clone by stack count. */
  bySize: Map<number, { ws: Workspace; clone: string }>;
  /** The set-up run that deployed the largest fleet (jobs 8): its time and peak RSS. */
  setup: AutostackRun;
  /** How many stacks it deployed. */
  deployed: number;
  /** Commits a change to the last stack of the largest fleet (for a run that deploys one). */
  touchLast(round: number): Promise<string>;
}

/** `${prefix}s001` …: stack folder names, sorted as numbers. */
function names(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}s${String(i + 1).padStart(3, "0")}`);
}

function repoFiles(prefix: string, count: number): Record<string, string> {
  return Object.fromEntries(names(prefix, count).map((n) => [`${n}/compose.yaml`, idleCompose()]));
}

/** Deploys the largest fleet once and derives the smaller ones from its state. */
export async function makeFleet(sizes: readonly number[] = SIZES): Promise<Fleet> {
  const prefix = uniquePrefix();
  const max = Math.max(...sizes);
  const bySize = new Map<number, { ws: Workspace; clone: string }>();
  const big = await fixture(prefix, repoFiles(prefix, max), { jobs: 8 });
  log(`no-op: deploying ${max} stacks (${prefix}s001…) with jobs: 8 (set-up)`);
  const setup = await autostack(big.ws, ["run"], { rss: true });
  expectCode(setup, `set-up deploy of ${max} stacks`);
  log(`no-op: set-up deploy took ${fmt(setup.ms)}, peak RSS ${setup.peakMiB.toFixed(0)} MiB`);
  for (const size of sizes) {
    const ws = size === max ? big.ws : await smallerWorkspace(prefix, size, big.ws);
    const clone = join(await tempDir(`${prefix}-clone${size}`), "stacks");
    const config = await Deno.readTextFile(ws.config);
    const url = /^repo: (.+)$/m.exec(config)?.[1] ?? "";
    await must(["git", "clone", "-q", url, clone]);
    // A first no-op run clones the repo into base_dir and warms caches.
    const first = await autostack(ws, ["run"]);
    expectCode(first, `first no-op run with ${size} stacks`);
    if (first.stdout !== "" || first.stderr !== "") {
      throw new Error(
        `${size} stacks: the no-op run was not silent:\n${first.stdout}${first.stderr}`,
      );
    }
    bySize.set(size, { ws, clone });
  }
  const last = names(prefix, max).at(-1)!;
  const touchLast = (round: number) =>
    big.repo.commit({ [`${last}/compose.yaml`]: `${idleCompose()}# round ${round}\n` });
  return { bySize, setup, deployed: max, touchLast };
}

/** A repo with the first `size` stacks (same files, so the same tree hashes) and a copy of their state. */
async function smallerWorkspace(prefix: string, size: number, big: Workspace): Promise<Workspace> {
  const repo = await StacksRepo.create(repoFiles(prefix, size));
  cleanup.add(`repo ${repo.root}`, () => repo.cleanup());
  const ws = await Workspace.create({ repo: repo.url });
  cleanup.add(`workspace ${ws.dir}`, () => ws.cleanup());
  for (const name of names(prefix, size)) {
    for (const folder of ["running_stacks", "good_stacks"]) {
      await copyTree(join(big.base, folder, name), join(ws.base, folder, name));
    }
  }
  return ws;
}

/** The one-liner's script, as it stands in crontabs. */
export const ONE_LINER = "git pull && for d in */; do (cd $d && docker compose up -d); done";

/** Runs the no-op benchmark on `fleet`: one comparison per size, then flatness. */
export async function benchNoop(fleet: Fleet, rounds: number): Promise<Comparison[]> {
  const results: Comparison[] = [];
  const medians = new Map<number, number>();
  for (const [size, { ws, clone }] of fleet.bySize) {
    log(`no-op: ${size} stacks`);
    const times = await alternate(rounds, async () => {
      const run = await autostack(ws, ["run"]);
      expectCode(run, `no-op run with ${size} stacks`);
      if (run.stdout !== "") {
        throw new Error(`no-op run with ${size} stacks did something:\n${run.stdout}`);
      }
      return run.ms;
    }, async () => (await must(["sh", "-c", ONE_LINER], { cwd: clone })).ms);
    const a = side("autostack run", times.a);
    const b = side("git pull && compose up -d each", times.b);
    medians.set(size, a.median);
    const speedUp = b.median / a.median;
    const target = size === 100 ? atLeast(speedUp, 15) : { target: "-", met: true, margin: "" };
    results.push({
      id: `noop.${size}`,
      title: `no-op, ${size} stacks`,
      a,
      b,
      ratio: speedUp,
      ratioOf: "B/A",
      ...target,
      notes: [],
    });
  }
  const smallest = Math.min(...medians.keys());
  const largest = Math.max(...medians.keys());
  if (smallest !== largest) results.push(await flatness(fleet, rounds, smallest, largest));
  return results;
}

/**
 * The flatness claim: autostack at the largest size over autostack at the
 * smallest, measured back to back (the one-liner's minutes between the
 * per-size runs would let the machine's load decide it). Runs are cheap, so
 * it takes at least 7 rounds.
 */
async function flatness(
  fleet: Fleet,
  rounds: number,
  smallest: number,
  largest: number,
): Promise<Comparison> {
  log(`no-op: ${largest} vs ${smallest} stacks, back to back`);
  const noop = (size: number) => async () => {
    const run = await autostack(fleet.bySize.get(size)!.ws, ["run"]);
    expectCode(run, `no-op run with ${size} stacks`);
    return run.ms;
  };
  const times = await alternate(Math.max(rounds, 7), noop(largest), noop(smallest));
  const a = side(`autostack, ${largest} stacks`, times.a);
  const b = side(`autostack, ${smallest} stacks`, times.b);
  const ratio = a.median / b.median;
  return {
    id: "noop.flat",
    title: `no-op flat in N (${largest} vs ${smallest})`,
    a,
    b,
    ratio,
    ratioOf: "A/B",
    ...atMost(ratio, 1.5),
    notes: [],
  };
}
