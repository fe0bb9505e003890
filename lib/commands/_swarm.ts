/**
 * The health and replica count of swarm stacks for `status`
 * (docs/swarm.md#status): asked only for deployed stacks that have no compose
 * containers here, and only when this engine manages a swarm.
 * @module
 */
import { describeFaults, evaluateSwarm, type Swarm, type SwarmService } from "../docker/mod.ts";

/** What `status` shows of a swarm stack. */
export interface SwarmLook {
  /** `healthy`, or what is not (`not healthy: web: 1/2 running`). */
  health: string;
  /** Running tasks of the new spec over desired ones, summed over services: `2/2`. */
  services: string;
}

/** The swarm stacks among `names`, each with its look; none when this is no manager. */
export async function lookAtSwarm(
  swarm: Swarm,
  names: readonly string[],
): Promise<Map<string, SwarmLook>> {
  const looks = new Map<string, SwarmLook>();
  if (names.length === 0) return looks;
  const stacks = await swarm.stacks().catch(() => undefined);
  if (stacks === undefined) return looks; // no manager here: nothing to look at
  await Promise.all(
    names.filter((n) => stacks.has(n)).map(async (name) => {
      const services = await swarm.services(name);
      const tasks = await swarm.currentTasks(services);
      const verdict = evaluateSwarm(name, services, tasks);
      const running = tasks.filter((t) => t.desired === "running" && t.state === "running").length;
      looks.set(name, {
        health: verdict.status === "healthy"
          ? "healthy"
          : `${verdict.status === "waiting" ? "not healthy" : "unhealthy"}: ${
            describeFaults(verdict.faults)
          }`,
        services: `${running}/${desiredTotal(services)}`,
      });
    }),
  );
  return looks;
}

function desiredTotal(services: readonly SwarmService[]): number {
  return services.reduce((sum, s) => sum + (s.desired ?? 0), 0);
}
