/**
 * docs/how-it-works.md#healthy: a pure verdict over `compose ps` data
 * ({@link evaluateHealth}) and the loop that polls it until the stack is
 * healthy, has failed for good, or runs out of time ({@link waitHealthy}).
 * @module
 */
import type { Compose, ComposeTarget, ProbeResult } from "./compose.ts";
import type { ContainerInfo } from "./containers.ts";
import { ComposeError } from "../errors.ts";
import { nextLookIn, type ProbeSchedule } from "./probe_schedule.ts";
import type { ServiceFault } from "../outcome.ts";

/** The health of a project at one look. */
export type Verdict =
  | { status: "healthy" }
  | { status: "waiting"; faults: ServiceFault[] }
  | { status: "failed"; faults: ServiceFault[] };

/** Longest probe output quoted in a fault, in characters. */
export const DETAIL_MAX = 200;

// "ok" counts towards healthy; "waiting" may still become healthy; "terminal" never will.
type Judgement = { kind: "ok" } | { kind: "waiting" | "terminal"; fault: ServiceFault };

/**
 * Decides whether a project is healthy. Every service in `services` needs a
 * container; every container seen (of those services or any other) must be
 * running and healthy, or a one-shot that exited 0. Only an exit code other
 * than 0 (or a dead container) fails at once: `unhealthy` and `restarting` can
 * still recover, so they wait, and the wait loop reports them at its timeout.
 * `probes` (keyed by container id) supply the last healthcheck output to quote.
 */
export function evaluateHealth(
  services: string[],
  containers: ContainerInfo[],
  probes: Map<string, ProbeResult> = new Map(),
): Verdict {
  const names = [...new Set([...services, ...containers.map((c) => c.service)])];
  // A project with nothing declared and nothing running is not healthy.
  if (names.length === 0) {
    return {
      status: "waiting",
      faults: [{ service: "(project)", state: "missing", detail: "no container" }],
    };
  }
  const faults: ServiceFault[] = [];
  const seen = new Set<string>();
  let terminal = false;
  for (const service of names) {
    const mine = containers.filter((c) => c.service === service);
    const judgements: Judgement[] = mine.length === 0
      ? [{ kind: "waiting", fault: { service, state: "missing", detail: "no container" } }]
      : mine.map((c) => judge(c, probes.get(c.id)));
    for (const j of judgements) {
      if (j.kind === "ok") continue;
      if (j.kind === "terminal") terminal = true;
      const key = JSON.stringify(j.fault);
      if (!seen.has(key)) faults.push(j.fault);
      seen.add(key);
    }
  }
  if (terminal) return { status: "failed", faults };
  return faults.length > 0 ? { status: "waiting", faults } : { status: "healthy" };
}

function judge(c: ContainerInfo, probe: ProbeResult | undefined): Judgement {
  const fault = (state: string, detail: string) => ({ service: c.service, state, detail });
  switch (c.state) {
    case "running":
      if (c.health === "" || c.health === "healthy") return { kind: "ok" };
      return { kind: "waiting", fault: fault(c.health, probeDetail(probe)) };
    case "exited":
      if (c.exitCode === 0) return { kind: "ok" };
      return { kind: "terminal", fault: fault("exited", `exit code ${c.exitCode}`) };
    case "dead":
      return { kind: "terminal", fault: fault("dead", `exit code ${c.exitCode}`) };
    case "restarting":
      // The restart policy may still bring it up: not healthy, not final either.
      return { kind: "waiting", fault: fault("restarting", `exit code ${c.exitCode}`) };
    default: // created, paused, removing, and states we do not know yet
      return { kind: "waiting", fault: fault(c.state, "") };
  }
}

function probeDetail(probe: ProbeResult | undefined): string {
  if (probe === undefined) return "";
  const line = probe.output.trim().replace(/\s+/g, " ");
  if (line === "") return `probe exit code ${probe.exitCode}`;
  return line.length > DETAIL_MAX ? `${line.slice(0, DETAIL_MAX - 1)}…` : line;
}

/** Formats faults for a message: `web: unhealthy (wget: …404 Not Found); db: exited (exit code 1)`. */
export function describeFaults(faults: ServiceFault[]): string {
  return faults
    .map((f) => `${f.service}: ${f.state}${f.detail === "" ? "" : ` (${f.detail})`}`)
    .join("; ");
}

/** What {@link waitHealthy} needs; tests pass a fake clock and sleep. */
export interface WaitDeps {
  /** The compose wrapper to poll with. */
  compose: Compose;
  /** Current time in milliseconds. */
  now(): number;
  /** Waits `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
  /** Called after each look, e.g. to log progress. */
  onTick?(v: Verdict, elapsedMs: number): void;
}

/** Time between two looks at a starting project: about four looks a second. */
const LOOK_INTERVAL_MS = 250;

/**
 * Polls the project every 250 ms (one `docker ps`, plus one inspect when
 * a healthcheck fails, or is still starting near the end) until it is healthy,
 * has failed for good, or `timeoutMs` is over; then a still-waiting verdict
 * becomes `failed` with the faults of the last look. The first look is at
 * once. Transient compose errors are retried until the timeout, and only
 * thrown when the last look failed too. `known` are the project's services
 * when the caller already read them (the preflight); else compose is asked.
 */
export async function waitHealthy(
  deps: WaitDeps,
  target: ComposeTarget,
  timeoutMs: number,
  known?: readonly string[],
): Promise<Verdict> {
  const intervalMs = LOOK_INTERVAL_MS;
  const start = deps.now();
  const services = known ? [...known] : await deps.compose.services(target);
  // The outcome of the latest look: the faults it found, or the error it hit.
  let last: { faults: ServiceFault[] } | { error: unknown } = { faults: [] };
  // When the starting healthchecks report, asked once: the next look follows them.
  let schedules: ProbeSchedule[] | undefined;
  while (true) {
    const tickStart = deps.now();
    let verdict: Verdict | undefined;
    // A starting healthcheck has rarely anything to quote yet: ask for its last
    // probe only when this look may be the last one, and so end in the message.
    const lastLooks = tickStart - start + intervalMs >= timeoutMs;
    try {
      const seen = await look(deps.compose, target.project, services, lastLooks);
      verdict = seen.verdict;
      const starting = seen.containers.filter((c) => c.health === "starting").map((c) => c.id);
      if (schedules === undefined && verdict.status === "waiting" && starting.length > 0) {
        schedules = await deps.compose.probeSchedules(starting);
      }
    } catch (error) {
      if (!(error instanceof ComposeError)) throw error;
      last = { error };
    }
    const elapsed = deps.now() - start;
    if (verdict !== undefined) {
      deps.onTick?.(verdict, elapsed);
      if (verdict.status !== "waiting") return verdict;
      last = { faults: verdict.faults };
    }
    if (elapsed >= timeoutMs) {
      if ("error" in last) throw last.error;
      return { status: "failed", faults: last.faults };
    }
    // Time spent in ps counts towards the interval, so the pace stays near 4 looks/s.
    const rest = Math.max(0, intervalMs - (deps.now() - tickStart));
    const probe = nextLookIn(deps.now(), schedules ?? [], intervalMs);
    await deps.sleep(Math.min(rest, probe, timeoutMs - elapsed));
  }
}

/**
 * One look at a project, used to note whether the running version is healthy.
 * Without usable files (missing or broken `running_stacks/NAME`) the services
 * are those that have containers.
 */
export async function checkHealth(compose: Compose, target: ComposeTarget): Promise<Verdict> {
  let services: string[] = [];
  if (target.dir !== undefined || (target.files ?? []).length > 0) {
    try {
      services = await compose.services(target);
    } catch (error) {
      if (!(error instanceof ComposeError)) throw error;
    }
  }
  return (await look(compose, target.project, services)).verdict;
}

/**
 * One look: the containers, then (for the quote in a fault) one inspect of
 * those whose healthcheck fails, and of those still starting when `starting`.
 */
async function look(
  compose: Compose,
  project: string,
  services: string[],
  starting = true,
): Promise<{ verdict: Verdict; containers: ContainerInfo[] }> {
  const containers = await compose.containers(project);
  return { verdict: await judgeQuoting(compose, services, containers, starting), containers };
}

async function judgeQuoting(
  compose: Compose,
  services: string[],
  containers: ContainerInfo[],
  starting: boolean,
): Promise<Verdict> {
  const first = evaluateHealth(services, containers);
  if (first.status === "healthy") return first;
  const probed = containers.filter((c) =>
    c.state === "running" && (c.health === "unhealthy" || (starting && c.health === "starting"))
  );
  if (probed.length === 0) return first;
  try {
    const probes = await compose.inspectHealth(probed.map((c) => c.id));
    return evaluateHealth(services, containers, probes);
  } catch (error) {
    // Quoting the probe is a courtesy: the verdict stands without it.
    if (!(error instanceof ComposeError)) throw error;
    return first;
  }
}
