/**
 * Private to the canary folder: brings a new copy up beside the live one
 * (docs/canary.md canary) — create it, hide it from the shared aliases, start
 * it, wait for healthy within `health_timeout`, let it join the aliases, then
 * watch it stay healthy for `canary_soak` while both copies serve.
 * @module
 */
import {
  checkHealth,
  type ComposeTarget,
  describeFaults,
  evaluateHealth,
} from "../../docker/mod.ts";
import { checkpoint, type DeployContext } from "../context.ts";
import { ComposeError, errorMessage, HostError } from "../../errors.ts";
import { formatDuration } from "../../duration.ts";
import { watchHealth } from "../gate.ts";
import type { DeploySettings } from "../../config/mod.ts";
import { networksOf } from "./_state.ts";
import type { ServiceFault } from "../../outcome.ts";

/** How a new copy's trial ended. */
export type Trial = { ok: true } | { ok: false; message: string; services: ServiceFault[] };

/** How often the soak looks at the new copy. */
export const SOAK_INTERVAL_MS = 500;

/** Looks in a row that may fail on compose itself (not on health) before the soak gives up. */
const SOAK_ERRORS = 3;

/**
 * Brings up the copy of `target` (a fresh project in its own folder) and
 * keeps it on trial until it has been healthy for `canary_soak`. `name` is
 * the stack, for the test checkpoints `canary_waiting_health` and
 * `canary_soak`. Never throws for the copy's own failure.
 */
export async function tryCopy(
  ctx: DeployContext,
  name: string,
  target: ComposeTarget,
  settings: DeploySettings,
): Promise<Trial> {
  const nets = networksOf(ctx);
  let services: string[];
  try {
    await ctx.compose.create(target);
    const ids = (await ctx.compose.containers(target.project)).map((c) => c.id);
    const shared = await nets.shared(target.project, ids);
    await nets.hide(shared);
    // `start` waits for depends_on conditions: bound it like the health wait.
    await ctx.compose.start(target, { timeoutMs: settings.health_timeout + 30_000 });
    services = await ctx.compose.services(target);
    const healthy = await waitForHealthy(ctx, name, target, settings);
    if (!healthy.ok) return healthy;
    await nets.join(shared);
  } catch (error) {
    if (error instanceof HostError) throw error;
    return { ok: false, message: errorMessage(error), services: [] };
  }
  return await soak(ctx, name, target, services, settings.canary_soak);
}

async function waitForHealthy(
  ctx: DeployContext,
  name: string,
  target: ComposeTarget,
  settings: DeploySettings,
): Promise<Trial> {
  const verdict = await watchHealth(ctx, target, settings.health_timeout, {
    name,
    step: "canary_waiting_health",
  });
  if (verdict.status === "healthy") return { ok: true };
  return {
    ok: false,
    message: `not healthy: ${describeFaults(verdict.faults)}`,
    services: verdict.faults,
  };
}

/** Watches a healthy copy for `soakMs`: the first look that is not healthy ends the trial. */
async function soak(
  ctx: DeployContext,
  name: string,
  target: ComposeTarget,
  services: string[],
  soakMs: number,
): Promise<Trial> {
  const now = () => ctx.deps.now().getTime();
  const start = now();
  let errors = 0;
  for (let look = 0;; look++) {
    const elapsed = now() - start;
    if (elapsed >= soakMs) return { ok: true };
    await ctx.deps.sleep(Math.min(SOAK_INTERVAL_MS, soakMs - elapsed));
    if (look === 0) checkpoint(ctx, name, "canary_soak");
    let healthy: boolean;
    try {
      healthy = evaluateHealth(services, await ctx.compose.containers(target.project)).status ===
        "healthy";
      errors = 0;
    } catch (error) {
      if (!(error instanceof ComposeError)) throw error;
      if (++errors >= SOAK_ERRORS) return { ok: false, message: error.message, services: [] };
      continue;
    }
    if (!healthy) return await turned(ctx, target, now() - start, soakMs);
  }
}

/** The failure of a copy that turned unhealthy during the soak, quoting its probes. */
async function turned(
  ctx: DeployContext,
  target: ComposeTarget,
  afterMs: number,
  soakMs: number,
): Promise<Trial> {
  const verdict = await checkHealth(ctx.compose, target).catch(() => undefined);
  const faults = verdict === undefined || verdict.status === "healthy" ? [] : verdict.faults;
  const when = `after ${formatDuration(afterMs)} of the ${formatDuration(soakMs)} soak`;
  const what = faults.length > 0 ? describeFaults(faults) : "a container left the project";
  return { ok: false, message: `turned unhealthy ${when}: ${what}`, services: faults };
}
