/**
 * Taking a swarm stack down (`prune`, docs/swarm.md#prune): `docker stack rm`,
 * then wait until its tasks' containers on this node are gone, so that a
 * stack deployed again at once does not meet its old names and ports.
 * @module
 */
import { STACK_LABEL } from "../../docker/mod.ts";
import { ENGINE_TIMEOUT_MS } from "../../docker/mod.ts";
import type { DeployContext } from "../context.ts";
import { objectsFileOf } from "./objects.ts";

/** How long a removed stack's containers may take to go. */
const GONE_TIMEOUT_MS = 120_000;

/**
 * Removes swarm stack `name` when this engine manages a swarm that runs it;
 * returns whether there was one. Volumes are kept, as with Compose.
 */
export async function removeSwarmStack(ctx: DeployContext, name: string): Promise<boolean> {
  if (await ctx.swarm.role() !== "manager") return false;
  if ((await ctx.swarm.services(name)).length === 0) return false;
  await ctx.swarm.remove(name);
  // `stack rm` removes the stack's configs and secrets; their override goes with them.
  await Deno.remove(objectsFileOf(ctx.paths.running(name))).catch(() => {});
  const start = ctx.deps.now().getTime();
  while (ctx.deps.now().getTime() - start < GONE_TIMEOUT_MS) {
    const r = await ctx.deps.runner.run(
      ["docker", "ps", "-aq", "--filter", `label=${STACK_LABEL}=${name}`],
      { timeoutMs: ENGINE_TIMEOUT_MS },
    );
    if (r.code === 0 && r.stdout.trim() === "") return true;
    await ctx.deps.sleep(250);
  }
  return true;
}
