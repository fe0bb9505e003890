/**
 * The health gate (docs/how-it-works.md#healthy): `up -d`, then for `simple`
 * poll until healthy within `health_timeout`. A failed `up` is a failed gate,
 * with compose's own words as the reason.
 * @module
 */
import { type ComposeTarget, describeFaults, type Verdict, waitHealthy } from "../docker/mod.ts";
import { checkpoint, type DeployContext } from "./context.ts";
import { errorMessage, HostError } from "../errors.ts";
import { healthProgress } from "./progress.ts";
import type { DeploySettings } from "../config/mod.ts";
import type { ServiceFault } from "../outcome.ts";

/** The result of `up` and the health gate. */
export interface Gate {
  /** Up and (for simple) healthy. */
  ok: boolean;
  /** Why not, naming the services at fault. */
  message: string;
  /** The services at fault. */
  services: ServiceFault[];
}

/**
 * `up -d`, then (simple) wait for healthy within `health_timeout`. `services`
 * are the project's services when the caller knows them (the preflight).
 */
export async function upAndCheck(
  ctx: DeployContext,
  target: ComposeTarget,
  settings: DeploySettings,
  method: "blind" | "simple",
  services?: string[],
): Promise<Gate> {
  // waitHealthy asks `config --services` once `up` is done, not alongside it:
  // a healthcheck's first probe is an interval away anyway, while a compose
  // process beside each `up` slows every `up` when several stacks deploy at once.
  try {
    await ctx.compose.up(target);
  } catch (error) {
    // A daemon that does not answer is the host's fault, not the version's.
    if (error instanceof HostError) throw error;
    return { ok: false, message: errorMessage(error), services: [] };
  }
  if (method === "blind") return { ok: true, message: "", services: [] };
  const verdict = await watchHealth(ctx, target, settings.health_timeout, {
    name: target.project,
    step: "waiting_health",
  }, services);
  return gateOf(verdict);
}

/** The gate a finished wait comes to, in any mode: passed, or the faults named. */
export function gateOf(verdict: Verdict): Gate {
  if (verdict.status === "healthy") return { ok: true, message: "", services: [] };
  return {
    ok: false,
    message: `not healthy: ${describeFaults(verdict.faults)}`,
    services: verdict.faults,
  };
}

/**
 * Waits for `target` to be healthy within `timeoutMs` ({@link waitHealthy}),
 * with the progress line on a terminal and the test checkpoint `at.step` (for
 * stack `at.name`) at the first look. Shared by the simple gate and the canary.
 */
export async function watchHealth(
  ctx: DeployContext,
  target: ComposeTarget,
  timeoutMs: number,
  at: { name: string; step: string },
  services?: string[],
): Promise<Verdict> {
  let ticks = 0;
  const progress = healthProgress(ctx.deps.isTerminal, target.project, timeoutMs);
  return await waitHealthy(
    {
      compose: ctx.compose,
      now: () => ctx.deps.now().getTime(),
      sleep: ctx.deps.sleep,
      onTick: (verdict, elapsed) => {
        if (ticks++ === 0) checkpoint(ctx, at.name, at.step);
        progress.tick(verdict, elapsed);
      },
    },
    target,
    timeoutMs,
    services,
  ).finally(() => progress.done());
}
