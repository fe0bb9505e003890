// deno-lint-ignore-file no-console
/**
 * `deno task bench`: runs the benchmarks of issue 7 against real Docker on the
 * local busybox test image, each beside its baseline in the same run, A and B
 * alternating over several rounds, and prints medians, ratios and targets
 * (or, with `--json`, the same as JSON). It reports and does not judge: a
 * missed target still exits 0; only a failed set-up or run exits 1. Every project, repo and temp folder
 * it makes is removed at the end, on failure and on Ctrl-C.
 *
 *     deno task bench [--json] [--only redeploy|preflight|noop|parallel|memory|swarm|images]... [--rounds N]
 * @module
 */
import { cleanup, type Comparison, fmt, log, sh } from "./_lib.ts";
import { benchImages } from "./images.ts";
import { benchMemory } from "./memory.ts";
import { benchNoop, type Fleet, makeFleet } from "./noop.ts";
import { benchParallel } from "./parallel.ts";
import { benchPreflight } from "./preflight.ts";
import { benchRedeploy } from "./redeploy.ts";
import { benchSwarm } from "./swarm.ts";

/** The benchmarks, in the order they run (memory right after noop: they share the 300 stacks). */
export const BENCHMARKS = [
  "redeploy",
  "preflight",
  "noop",
  "memory",
  "parallel",
  "swarm",
  "images",
] as const;

/** A benchmark's name. */
export type BenchName = typeof BENCHMARKS[number];

/** Rounds per benchmark when `--rounds` is not given (the slow ones get fewer). */
export const DEFAULT_ROUNDS: Record<BenchName, number> = {
  redeploy: 7,
  preflight: 7,
  noop: 3,
  parallel: 5,
  memory: 3,
  swarm: 5,
  images: 7,
};

/** The command line, parsed. */
export interface BenchArgs {
  /** Print JSON instead of the table. */
  json: boolean;
  /** The benchmarks to run. */
  only: BenchName[];
  /** Rounds for every benchmark, overriding {@link DEFAULT_ROUNDS}. */
  rounds?: number;
}

const USAGE =
  "usage: deno task bench [--json] [--only redeploy|preflight|noop|parallel|memory|swarm|images]... " +
  "[--rounds N]";

/** Parses the bench's arguments; throws with {@link USAGE} on anything else. */
export function parseBenchArgs(args: readonly string[]): BenchArgs {
  const out: BenchArgs = { json: false, only: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes("=") ? arg.split("=", 2) : [arg, undefined];
    const value = () => inline ?? args[++i] ?? "";
    if (flag === "--json") out.json = true;
    else if (flag === "--only") {
      for (const name of value().split(",")) {
        const found = BENCHMARKS.find((b) => b === name);
        if (!found) throw new Error(`unknown benchmark "${name}"\n${USAGE}`);
        out.only.push(found);
      }
    } else if (flag === "--rounds") {
      const rounds = Number(value());
      if (!Number.isInteger(rounds) || rounds < 1) {
        throw new Error(`--rounds must be a positive integer\n${USAGE}`);
      }
      out.rounds = rounds;
    } else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  if (out.only.length === 0) out.only = [...BENCHMARKS];
  return out;
}

/** The machine the figures come from. */
export async function machine(): Promise<Record<string, string>> {
  const version = async (cmd: string[]) => (await sh(cmd)).stdout.trim();
  return {
    nproc: String(navigator.hardwareConcurrency),
    memory: `${(Deno.systemMemoryInfo().total / 2 ** 30).toFixed(1)} GiB`,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    docker: await version(["docker", "version", "--format", "{{.Server.Version}}"]),
    compose: await version(["docker", "compose", "version", "--short"]),
  };
}

/** Formats a value of a side: seconds for times, MiB for memory. */
function show(value: number, unit: string): string {
  return unit === "MiB" ? `${value.toFixed(0)} MiB` : fmt(value);
}

/** The results as aligned text lines. */
export function table(results: readonly Comparison[]): string[] {
  const rows = [[
    "benchmark",
    "A",
    "median A",
    "B (baseline)",
    "median B",
    "ratio",
    "target",
    "met",
  ]];
  for (const r of results) {
    rows.push([
      r.title,
      r.a.label,
      show(r.a.median, r.a.unit),
      r.b.label,
      show(r.b.median, r.b.unit),
      `${r.ratioOf} ${r.ratio.toFixed(2)}`,
      r.target,
      r.target === "-" ? "" : `${r.met ? "yes" : "NO"} (${r.margin})`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) =>
    row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()
  );
  for (const r of results) for (const note of r.notes) lines.push(`  ${r.id}: ${note}`);
  return lines;
}

async function runAll(args: BenchArgs): Promise<Comparison[]> {
  const rounds = (name: BenchName) => args.rounds ?? DEFAULT_ROUNDS[name];
  const results: Comparison[] = [];
  let fleet: Fleet | undefined;
  const selected = BENCHMARKS.filter((name) => args.only.includes(name));
  for (const name of selected) {
    log(`== ${name} (${rounds(name)} rounds)`);
    if (name === "redeploy") results.push(await benchRedeploy(rounds(name)));
    if (name === "preflight") results.push(await benchPreflight(rounds(name)));
    if (name === "parallel") results.push(await benchParallel(rounds(name)));
    if (name === "swarm") results.push(await benchSwarm(rounds(name)));
    if (name === "images") results.push(await benchImages(rounds(name)));
    if (name === "noop" || name === "memory") {
      fleet ??= await makeFleet();
      if (name === "noop") results.push(...await benchNoop(fleet, rounds(name)));
      else results.push(...await benchMemory(fleet, rounds(name)));
    }
    // What a benchmark left running would slow the next one down; the fleet waits for memory.
    if (name !== "noop" || !selected.includes("memory")) {
      log(`== ${name}: cleaning up`);
      await cleanup.run();
      fleet = undefined;
    }
  }
  return results;
}

if (import.meta.main) {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(Deno.args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(2);
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, async () => {
      log(`bench: ${signal}: cleaning up`);
      await cleanup.run();
      Deno.exit(130);
    });
  }
  const started = new Date();
  let code = 0;
  try {
    const results = await runAll(args);
    const info = await machine();
    if (args.json) {
      console.log(JSON.stringify({ date: started.toISOString(), machine: info, results }, null, 2));
    } else {
      const about = Object.entries(info).map(([k, v]) => `${k} ${v}`).join(", ");
      console.log(`autostack benchmarks, ${started.toISOString()} (${about})\n`);
      for (const line of table(results)) console.log(line);
    }
  } catch (error) {
    console.error(error instanceof Error ? error.stack : String(error));
    code = 1;
  } finally {
    log("bench: cleaning up");
    await cleanup.run();
  }
  Deno.exit(code);
}
