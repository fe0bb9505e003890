/**
 * Whether a canary can run for a stack, and if not,
 * why (said in the outcome message, and on stderr when the stack itself is
 * the reason). Reads compose's normalised model of the version to deploy.
 * @module
 */
import { join } from "node:path";
import type { DeployContext } from "../context.ts";
import { filesTarget } from "../targets.ts";
import type { DeployItem } from "../plan.ts";
import type { DeploySettings } from "../../config/mod.ts";
import { liveProject } from "../projects.ts";
import { parseComposeModel, whyNotTwice } from "./_model.ts";

/** Why a canary cannot run; `warn` when the operator should change the stack to get one. */
export interface NoCanary {
  /** The reason, for the outcome message and stderr. */
  text: string;
  /** Say it on stderr too (the stack's own shape is the reason, not the moment). */
  warn: boolean;
}

/** Why the planned deploy of `item` cannot be a canary, or `undefined` when it can. */
export async function whyNotCanary(
  ctx: DeployContext,
  item: DeployItem,
): Promise<NoCanary | undefined> {
  if (item.canaryBlocked !== undefined) return { text: item.canaryBlocked, warn: true };
  const dir = join(ctx.paths.repo, item.stack.path);
  return await whyNotCanaryAt(
    ctx,
    item.name,
    dir,
    item.settings,
    liveProject(item.name, item.deployed),
    item.stack.composeFile,
  );
}

/**
 * Why the version in `dir` cannot be started as a canary beside `live`: it
 * cannot run twice, or nothing runs under `live` to keep serving.
 * `composeFile` names the stack's compose file in the clone (a copy has a
 * standard one).
 */
export async function whyNotCanaryAt(
  ctx: DeployContext,
  name: string,
  dir: string,
  settings: DeploySettings,
  live: string,
  composeFile?: string,
): Promise<NoCanary | undefined> {
  const twice = await clashes(ctx, name, dir, settings, composeFile);
  if (twice.length > 0) {
    return { text: `${twice.join("; ")}: two copies cannot run side by side`, warn: true };
  }
  const running = (await ctx.compose.containers(live)).some((c) => c.state === "running");
  if (!running) return { text: "nothing was running to keep serving", warn: false };
  return undefined;
}

/** What keeps the stack in `dir` from running twice; `[]` when compose cannot read it. */
async function clashes(
  ctx: DeployContext,
  name: string,
  dir: string,
  settings: DeploySettings,
  composeFile: string | undefined,
): Promise<string[]> {
  const target = await filesTarget(ctx, name, dir, settings, composeFile);
  try {
    return whyNotTwice(parseComposeModel(await ctx.compose.model(target)), name);
  } catch {
    // A model compose refuses (or prints in a shape we do not know) fails the
    // canary's own `up` with compose's words while the old copy keeps serving:
    // better than falling back to simple, which would stop the old one first.
    return [];
  }
}
