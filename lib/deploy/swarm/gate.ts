/**
 * The health gate of a swarm stack (docs/swarm.md#the-health-gate): `docker
 * stack deploy`, then autostack waits itself, looking at the services and
 * their current tasks until {@link evaluateSwarm} says healthy or failed, or
 * `health_timeout` is over. `--detach=false` is not used: its success also
 * covers a Swarm `rollback_completed`.
 * @module
 */
import { evaluateSwarm, type Verdict } from "../../docker/mod.ts";
import { errorMessage, HostError } from "../../errors.ts";
import { checkpoint, type DeployContext } from "../context.ts";
import { type Gate, gateOf } from "../gate.ts";
import { healthProgress } from "../progress.ts";

/** Time between two looks at a converging stack (each look is two engine requests, milliseconds). */
const LOOK_INTERVAL_MS = 100;

/** What one swarm deploy sends. */
export interface SwarmDeploy {
  /** The compose files, in order (`-c` each). */
  files: string[];
  /** Variables for the compose files' interpolation (the stack's `.env`). */
  env: Record<string, string>;
  /** The configs' and secrets' names it uses (named after their content). */
  names: string[];
}

/**
 * Deploys `what` as stack `name` and, unless `blind`, waits until it is
 * healthy within `timeoutMs`. A failed `stack deploy` is a failed gate with
 * Docker's own words; a daemon that does not answer is the host's fault.
 */
export async function deployAndWait(
  ctx: DeployContext,
  name: string,
  what: SwarmDeploy,
  method: "blind" | "simple",
  timeoutMs: number,
): Promise<Gate> {
  try {
    await ctx.swarm.deploy(name, what.files, what.env);
  } catch (error) {
    if (error instanceof HostError) throw error;
    return { ok: false, message: errorMessage(error), services: [] };
  }
  if (method === "blind") return { ok: true, message: "", services: [] };
  return gateOf(await waitConverged(ctx, name, timeoutMs));
}

/**
 * Looks at stack `name` every {@link LOOK_INTERVAL_MS} until it is healthy,
 * has failed, or `timeoutMs` is over (then the last look's faults fail it).
 */
export async function waitConverged(
  ctx: DeployContext,
  name: string,
  timeoutMs: number,
): Promise<Verdict> {
  const start = ctx.deps.now().getTime();
  const progress = healthProgress(ctx.deps.isTerminal, name, timeoutMs);
  try {
    for (let look = 0;; look++) {
      const verdict = await lookAt(ctx, name);
      const elapsed = ctx.deps.now().getTime() - start;
      if (look === 0) checkpoint(ctx, name, "waiting_health");
      progress.tick(verdict, elapsed);
      if (verdict.status !== "waiting") return verdict;
      if (elapsed >= timeoutMs) return { status: "failed", faults: verdict.faults };
      await ctx.deps.sleep(Math.min(LOOK_INTERVAL_MS, Math.max(0, timeoutMs - elapsed)));
    }
  } finally {
    progress.done();
  }
}

/** One look: the stack's services, then the current tasks of those services. */
export async function lookAt(ctx: DeployContext, name: string): Promise<Verdict> {
  const services = await ctx.swarm.services(name);
  return evaluateSwarm(name, services, await ctx.swarm.currentTasks(services));
}
