/**
 * When a swarm stack is healthy (docs/swarm.md#the-health-gate), decided
 * purely from one look at its services and their current tasks: every
 * service runs its desired count of tasks of the new spec (a task with a
 * healthcheck only counts as running once healthy), jobs and `replicas: 0`
 * are not waited on, and Swarm's own update state must not say it paused or
 * rolled back, which fails the version at once even though the stack serves.
 * @module
 */
import type { ServiceFault } from "../outcome.ts";
import type { Verdict } from "./health.ts";
import type { SwarmService, SwarmTask } from "./swarm.ts";

/** Update states that mean Swarm gave up on the new spec. */
export const FAILED_UPDATE_STATES: ReadonlySet<string> = new Set([
  "paused",
  "rollback_started",
  "rollback_paused",
  "rollback_completed",
]);

/** Words for the failed update states, as the outcome says them. */
const UPDATE_WORDS: Readonly<Record<string, string>> = {
  paused: "update paused by Swarm",
  rollback_started: "rolled back by Swarm",
  rollback_paused: "rollback paused by Swarm",
  rollback_completed: "rolled back by Swarm",
};

/**
 * The verdict on stack `stack` from its `services` and their current
 * `tasks` (newest first per slot, as `docker service ps` lists them).
 */
export function evaluateSwarm(
  stack: string,
  services: readonly SwarmService[],
  tasks: readonly SwarmTask[],
): Verdict {
  if (services.length === 0) {
    return {
      status: "waiting",
      faults: [{ service: "(stack)", state: "missing", detail: "no service" }],
    };
  }
  const failed: ServiceFault[] = [];
  const waiting: ServiceFault[] = [];
  for (const service of services) {
    const own = tasks.filter((t) => t.service === service.name);
    const fault = {
      service: shortName(stack, service.name),
      detail: newestError(own) ?? "",
    };
    if (FAILED_UPDATE_STATES.has(service.updateState)) {
      failed.push({
        ...fault,
        state: UPDATE_WORDS[service.updateState] ?? service.updateState,
        detail: fault.detail || service.updateMessage,
      });
      continue;
    }
    if (service.desired === undefined || service.desired === 0) continue;
    const running = own.filter((t) => t.desired === "running" && t.state === "running").length;
    if (running < service.desired) {
      waiting.push({ ...fault, state: `${running}/${service.desired} running` });
    }
  }
  if (failed.length > 0) return { status: "failed", faults: [...failed, ...waiting] };
  if (waiting.length > 0) return { status: "waiting", faults: waiting };
  return { status: "healthy" };
}

/** The compose service name of a swarm service: `STACK_web` → `web`. */
export function shortName(stack: string, service: string): string {
  return service.startsWith(`${stack}_`) ? service.slice(stack.length + 1) : service;
}

/** The error of the newest task that has one. */
function newestError(tasks: readonly SwarmTask[]): string | undefined {
  return tasks.find((t) => t.error !== "")?.error;
}
