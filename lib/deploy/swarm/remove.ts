/**
 * Taking a swarm stack down (`prune`, docs/swarm.md#prune, and a stack
 * switched back to Compose, docs/swarm.md#back-to-compose): `docker stack rm`,
 * then wait until its tasks' containers on this node and its networks are
 * gone, so that a stack deployed again at once does not meet its old names,
 * ports and networks.
 * @module
 */
import { hostFault } from "../../errors.ts";
import type { DeployContext } from "../context.ts";
import type { DeployItem } from "../plan.ts";
import { copySettings } from "../restore.ts";
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
  // Its overlay network too: a Compose project of the name makes its own `NAME_default`,
  // and refuses one of that name it did not create.
  while (ctx.deps.now().getTime() - start < GONE_TIMEOUT_MS) {
    if (!await ctx.swarm.leftOn(name)) return true;
    await ctx.deps.sleep(250);
  }
  return true;
}

/**
 * Before a Compose deploy of `item`: the swarm stack of its name (the stack ran
 * with `mode: swarm` before) is removed and waited for, as `prune` does, since
 * its services' ports and names would clash with the project's. The swarm is
 * asked only when the running copy's settings say `mode: swarm`, or when there
 * is no running copy to tell (a new `base_dir`, a stack deployed by hand):
 * then `docker stack ls` must list the name. A copy that says Compose costs no
 * swarm call. Returns whether a swarm stack was removed.
 */
export async function leaveSwarm(ctx: DeployContext, item: DeployItem): Promise<boolean> {
  const { name } = item;
  if (item.deployed !== undefined) {
    const was = await copySettings(ctx, name, ctx.paths.running(name), undefined);
    return was?.mode === "swarm" && await removeSwarmStack(ctx, name);
  }
  // Not a manager (undefined), or a swarm that does not answer: no swarm stack to leave.
  const stacks = await ctx.swarm.stacks().catch((error) => {
    if (hostFault(error) !== undefined) throw error;
    return undefined;
  });
  return stacks?.has(name) === true && await removeSwarmStack(ctx, name);
}
