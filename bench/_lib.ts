// deno-lint-ignore-file no-console
/**
 * What the benchmarks share: running commands and timing them, medians and
 * ratios, the peak RSS of a child process, stacks repos on the local busybox
 * test image, and a cleanup list that takes down every compose project the
 * bench made (volumes too), on success, on failure and on Ctrl-C.
 * @module
 */
import { join } from "node:path";
import {
  type CliResult,
  spawnCli,
  StacksRepo,
  webCompose,
  Workspace,
} from "../tests/e2e/_harness.ts";

/** The local test image (FROM scratch + static busybox, no /tmp); never pulled. */
export const IMAGE = Deno.env.get("AUTOSTACK_TEST_IMAGE") ?? "autostack-test/busybox:latest";

/** One side of a comparison: what was measured and its samples. */
export interface Side {
  /** What ran, e.g. `autostack run` or `by hand`. */
  label: string;
  /** One value per round, in {@link unit}. */
  samples: number[];
  /** The median of {@link samples}. */
  median: number;
  /** `ms` for times, `MiB` for memory. */
  unit: "ms" | "MiB";
}

/** A measured claim: A beside its baseline B, the ratio and the target. */
export interface Comparison {
  /** Stable id for JSON consumers, e.g. `noop.100`. */
  id: string;
  /** Title shown in the table. */
  title: string;
  /** autostack's side. */
  a: Side;
  /** The baseline's side. */
  b: Side;
  /** The figure the target is about (see {@link ratioOf}). */
  ratio: number;
  /** What {@link ratio} is, e.g. `A/B` or `B/A` (a speed-up). */
  ratioOf: string;
  /** The target, e.g. `≤ 1.10`. */
  target: string;
  /** Whether the target is met. */
  met: boolean;
  /** By how much it is met or missed, in words. */
  margin: string;
  /** Extra facts worth printing (outcomes compared, set-up costs). */
  notes: string[];
}

/** The median of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Builds a {@link Side} from its samples. */
export function side(label: string, samples: number[], unit: Side["unit"] = "ms"): Side {
  return { label, samples, median: median(samples), unit };
}

/** Checks `value ≤ limit` and says by how much (relative to the limit). */
export function atMost(
  value: number,
  limit: number,
): Pick<Comparison, "target" | "met" | "margin"> {
  const by = Math.abs(limit - value) / limit * 100;
  const met = value <= limit;
  return { target: `≤ ${limit}`, met, margin: `${met ? "met" : "missed"} by ${by.toFixed(0)}%` };
}

/** Checks `value ≥ limit` and says by how much (relative to the limit). */
export function atLeast(
  value: number,
  limit: number,
): Pick<Comparison, "target" | "met" | "margin"> {
  const by = Math.abs(value - limit) / limit * 100;
  const met = value >= limit;
  return { target: `≥ ${limit}`, met, margin: `${met ? "met" : "missed"} by ${by.toFixed(0)}%` };
}

/**
 * Runs `a` and `b` `rounds` times, alternating which goes first (A B, B A, …)
 * so that drift on the machine (other load, caches) falls on both sides.
 */
export async function alternate(
  rounds: number,
  a: (round: number) => Promise<number>,
  b: (round: number) => Promise<number>,
  show: (value: number) => string = fmt,
): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      out.a.push(await a(round));
      out.b.push(await b(round));
    } else {
      out.b.push(await b(round));
      out.a.push(await a(round));
    }
    log(`  round ${round + 1}/${rounds}: A ${show(out.a.at(-1)!)}  B ${show(out.b.at(-1)!)}`);
  }
  return out;
}

/** Formats milliseconds as seconds, e.g. `2.61 s`. */
export function fmt(ms: number): string {
  return ms >= 100 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

/** Progress lines go to stderr, so `--json` output stays clean. */
export function log(line: string): void {
  console.error(line);
}

/** What a finished command left. */
export interface Done {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** Wall time, in milliseconds, from spawn to exit. */
  ms: number;
}

/** Runs `cmd` (argv), timed; never throws on a non-zero exit. */
export async function sh(cmd: string[], options: { cwd?: string } = {}): Promise<Done> {
  const started = performance.now();
  const out = await new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - started;
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr), ms };
}

/** Like {@link sh}, but throws with the command's stderr when it fails. */
export async function must(cmd: string[], options: { cwd?: string } = {}): Promise<Done> {
  const done = await sh(cmd, options);
  if (done.code !== 0) throw new Error(`${cmd.join(" ")}: exit ${done.code}: ${done.stderr}`);
  return done;
}

/** An autostack run: its output, wall time and the child's peak RSS (VmHWM) in MiB. */
export interface AutostackRun extends CliResult {
  /** Wall time, spawn to exit, in milliseconds. */
  ms: number;
  /** Highest VmHWM read from /proc while it ran (0 when none could be read). */
  peakMiB: number;
}

/**
 * Runs `autostack ARGS --config WS` as cron does (a fresh `deno run -A
 * main.ts` process), timed. With `rss`, reads the child's VmHWM every 5 ms
 * meanwhile (off by default: timed runs should not share the CPU with it).
 */
export async function autostack(
  ws: Workspace,
  args: string[],
  options: { rss?: boolean } = {},
): Promise<AutostackRun> {
  const started = performance.now();
  const child = spawnCli([...args, "--config", ws.config], { cwd: ws.dir });
  let peakKiB = 0;
  let running = options.rss ?? false;
  const sampler = (async () => {
    while (running) {
      peakKiB = Math.max(peakKiB, await vmHwmKiB(child.pid));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const result = await child.result;
  const ms = performance.now() - started;
  running = false;
  await sampler;
  return { ...result, ms, peakMiB: peakKiB / 1024 };
}

/** The `VmHWM` (peak resident set) of a process, in KiB; 0 once it has exited. */
export async function vmHwmKiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  return kib === undefined ? 0 : Number(kib);
}

/** Throws unless an autostack run exited `code` (default 0), quoting its output. */
export function expectCode(run: CliResult, what: string, code = 0): void {
  if (run.code !== code) {
    throw new Error(`${what}: exit ${run.code} (expected ${code})\n${run.stdout}${run.stderr}`);
  }
}

/**
 * Things to undo, newest first: temp folders, repos, compose projects. One
 * list for the whole process, so a Ctrl-C handler can run it too.
 */
export class Cleanup {
  #tasks: { what: string; fn: () => Promise<unknown> }[] = [];

  /** Registers `fn`, run by {@link run} (after everything registered later). */
  add(what: string, fn: () => Promise<unknown>): void {
    this.#tasks.push({ what, fn });
  }

  /** Runs and forgets every task, newest first; failures are printed, not thrown. */
  async run(): Promise<void> {
    while (this.#tasks.length > 0) {
      const task = this.#tasks.pop()!;
      try {
        await task.fn();
      } catch (error) {
        log(`cleanup: ${task.what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/** The process-wide cleanup list (bench/main.ts runs it at the end and on SIGINT/SIGTERM). */
export const cleanup: Cleanup = new Cleanup();

/** A name prefix no one else uses, for stacks and projects: `asb` + 6 hex digits. */
export function uniquePrefix(): string {
  return `asb${crypto.randomUUID().replaceAll("-", "").slice(0, 6)}`;
}

const PROJECT_LABEL = "com.docker.compose.project";

/** The ids of the containers of every compose project whose name starts with `prefix`. */
async function containersOf(prefix: string): Promise<string[]> {
  const out = await must([
    "docker",
    "ps",
    "-a",
    "--filter",
    `label=${PROJECT_LABEL}`,
    "--format",
    `{{.Label "${PROJECT_LABEL}"}}\t{{.ID}}`,
  ]);
  return out.stdout.split("\n").filter((l) => l.startsWith(prefix)).map((l) => l.split("\t")[1]!);
}

/** Stops (keeps) the containers of every compose project whose name starts with `prefix`. */
export async function stopProjects(prefix: string): Promise<void> {
  const ids = await containersOf(prefix);
  if (ids.length > 0) await must(["docker", "stop", ...ids]);
}

/**
 * Takes down every compose project whose name starts with `prefix`, volumes
 * and networks included: what `compose down -v` does, in three engine calls
 * for all of them instead of one compose call per project.
 */
export async function removeProjects(prefix: string): Promise<void> {
  const label = PROJECT_LABEL;
  const mine = async (kind: "network ls" | "volume ls", format: string) => {
    const out = await must([
      "docker",
      ...kind.split(" "),
      "--filter",
      `label=${label}`,
      "--format",
      format,
    ]);
    return out.stdout.split("\n").filter((l) => l.startsWith(prefix)).map((l) => l.split("\t")[1]!);
  };
  const row = `{{.Label "${label}"}}\t`;
  const containers = await containersOf(prefix);
  if (containers.length > 0) await must(["docker", "rm", "-f", "-v", ...containers]);
  const networks = await mine("network ls", `${row}{{.ID}}`);
  if (networks.length > 0) await must(["docker", "network", "rm", ...networks]);
  const volumes = await mine("volume ls", `${row}{{.Name}}`);
  if (volumes.length > 0) await must(["docker", "volume", "rm", "-f", ...volumes]);
}

/** A stacks repo and a workspace pointing at it, cleaned up with their projects. */
export interface Fixture {
  /** The "remote" repo (bare + work tree). */
  repo: StacksRepo;
  /** The workspace (config + base_dir). */
  ws: Workspace;
}

/**
 * Creates a repo holding `files` and a workspace with `config` (merged over
 * `{ repo }`); registers their removal and that of every project starting
 * with `prefix`.
 */
export async function fixture(
  prefix: string,
  files: Record<string, string>,
  config: Record<string, unknown> = {},
): Promise<Fixture> {
  const repo = await StacksRepo.create(files);
  cleanup.add(`repo ${repo.root}`, () => repo.cleanup());
  const ws = await Workspace.create({ repo: repo.url, ...config });
  cleanup.add(`workspace ${ws.dir}`, () => ws.cleanup());
  cleanup.add(`projects ${prefix}*`, () => removeProjects(prefix));
  return { repo, ws };
}

/** A temp folder removed at cleanup. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `${prefix}-` });
  cleanup.add(`temp ${dir}`, () => Deno.remove(dir, { recursive: true }));
  return dir;
}

/**
 * A compose file with one service on the test image that idles (`sleep`), no
 * network, no healthcheck: many of them cost Docker nothing while they run.
 */
export function idleCompose(): string {
  return `services:
  app:
    image: ${IMAGE}
    init: true
    network_mode: none
    command: ["sleep", "3600"]
`;
}

/** Copies files between folders, e.g. a stack's state from one base_dir into another. */
export async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory) await copyTree(src, dst);
    else await Deno.copyFile(src, dst);
  }
}

/** One web stack (busybox httpd, healthcheck every 1 s) in a fresh fixture, to redeploy. */
export interface WebStack extends Fixture {
  /** The stack's name. */
  name: string;
  /** Its compose file in round `round`: the same service, one comment changed. */
  compose(round: number): string;
}

/** Makes a {@link WebStack} for `prefix` and deploys it once, untimed. */
export async function webStack(prefix: string): Promise<WebStack> {
  const name = `${prefix}web`;
  const compose = (round: number) => webCompose({ network: true }) + `# round ${round}\n`;
  const { repo, ws } = await fixture(prefix, { [`${name}/compose.yaml`]: compose(-1) });
  expectCode(await autostack(ws, ["run"]), "first deploy");
  return { name, compose, repo, ws };
}

/** Commits round `round`'s change and runs `autostack run` on it (a fresh process), timed. */
export async function redeploy(stack: WebStack, round: number): Promise<AutostackRun> {
  await stack.repo.commit({ [`${stack.name}/compose.yaml`]: stack.compose(round) });
  const run = await autostack(stack.ws, ["run"]);
  expectCode(run, `redeploy round ${round + 1}`);
  return run;
}
