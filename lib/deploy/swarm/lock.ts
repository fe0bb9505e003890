/**
 * When a run takes the swarm lock (docs/swarm.md#two-managers-one-deploy-at-a-time):
 * only when it acts on swarm stacks, on a manager, with a lease long enough
 * for everything it may do to them, so the lease never runs out mid-run and
 * needs no renewal (a swarm config cannot change).
 * @module
 */
import type { DeploySettings } from "../../config/mod.ts";
import { hostFault } from "../../errors.ts";
import { acquireSwarmLock, processAlive, type SwarmLock } from "../../state/mod.ts";
import type { DeployContext } from "../context.ts";
import type { PlanItem } from "../plan.ts";

/** The part of a lease that is not for any one stack: the run's own steps, clock skew. */
const LEASE_BASE_MS = 5 * 60_000;

/**
 * How long a run's swarm lease lasts: the base plus, per swarm stack acted
 * on, a deploy and a rollback (two gates) and its two scripts. Pure.
 */
export function swarmLeaseMs(settings: readonly DeploySettings[]): number {
  return settings.reduce(
    (sum, s) =>
      sum + 2 * s.health_timeout + (s.pre_deploy || s.post_deploy ? 2 * s.script_timeout : 0),
    LEASE_BASE_MS,
  );
}

/** The settings of the swarm stacks the plan acts on. Pure. */
export function swarmItems(plan: readonly PlanItem[]): DeploySettings[] {
  return plan.flatMap((item) =>
    item.action !== "none" && item.action !== "refuse" && item.settings?.mode === "swarm"
      ? [item.settings]
      : []
  );
}

/**
 * Takes the swarm lock when the plan acts on swarm stacks and this engine
 * manages the swarm (elsewhere, or on an engine autostack cannot ask, each
 * swarm stack fails on its own and the Compose stacks go on); throws
 * `LockedError` when a run on another manager holds it.
 */
export async function takeSwarmLock(
  ctx: DeployContext,
  plan: readonly PlanItem[],
): Promise<SwarmLock | undefined> {
  const swarm = swarmItems(plan);
  if (swarm.length === 0) return undefined;
  const role = await ctx.swarm.role().catch((error: unknown) => {
    if (hostFault(error) !== undefined) throw error; // Docker down stops the run
    return "none" as const;
  });
  if (role !== "manager") return undefined;
  return await acquireSwarmLock({
    configs: ctx.swarm,
    hostname: ctx.config.hostname,
    pid: Deno.pid,
    now: ctx.deps.now,
    leaseMs: swarmLeaseMs(swarm),
    logger: ctx.deps.logger,
    // A run of this host killed with -9 left its lease: this host can tell it is gone.
    holderGone: (lease) => lease.host === ctx.config.hostname && !processAlive(lease.pid),
  });
}
