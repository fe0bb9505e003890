/**
 * Starting the deployed version of a swarm stack again when the repo's version
 * is marked bad and the plan found no containers of it: a plan without swarm
 * stacks in the repo (the stack went back to Compose and that version failed,
 * docs/swarm.md#back-to-compose) sees no Compose project and asks for a
 * restart, but Swarm may run it all along.
 * @module
 */
import type { DeploySettings } from "../../config/mod.ts";
import type { DeployContext } from "../context.ts";
import type { Gate } from "../gate.ts";
import { deployAndWait } from "./gate.ts";
import { swarmFiles } from "./restore.ts";

/**
 * "running" when the swarm runs stack `name`; else deploys the copy in `dir`
 * with `docker stack deploy` and waits for it, as a deploy does.
 */
export async function restartSwarmCopy(
  ctx: DeployContext,
  name: string,
  dir: string,
  settings: DeploySettings,
): Promise<Gate | "running"> {
  if ((await ctx.swarm.services(name)).length > 0) return "running";
  const what = await swarmFiles(ctx, name, dir, settings);
  return await deployAndWait(ctx, name, what, "simple", settings.health_timeout);
}
