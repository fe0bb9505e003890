/**
 * What `docker stack deploy` makes of a swarm stack's compose files
 * (docs/swarm.md#preflight): `docker stack config` of them, interpolated with
 * the folder's `.env` as the deploy is. The preflight reads this model for a
 * swarm stack instead of `docker compose config`'s: it is what the deploy will
 * send (Compose accepts keys a stack deploy refuses, and the other way round),
 * and the docker CLI answers in a fifth of the compose plugin's time.
 * @module
 */
import YAML from "yaml";
import type { DeployContext } from "../context.ts";
import { stackEnv } from "./_env.ts";

/** The model of `files` (absolute paths, in order) in folder `dir`, as parsed YAML. */
export async function stackModel(
  ctx: DeployContext,
  dir: string,
  files: readonly string[],
): Promise<unknown> {
  return YAML.parse(await ctx.swarm.model(files, await stackEnv(dir)));
}
