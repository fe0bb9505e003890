/**
 * The variables a swarm stack's compose files are interpolated with
 * (docs/swarm.md#env): `docker stack deploy` reads no `.env` file, unlike
 * `docker compose`, so autostack reads the copy's `.env` and hands its
 * variables to the deploy's environment, as an operator moving a stack from
 * Compose expects. `DOCKER_*` variables are left out: they would point the
 * docker CLI itself elsewhere.
 * @module
 */
import { join } from "node:path";
import { readTextOrUndefined } from "../../fsutil.ts";

/** The `.env` variables of the copy in `dir` (none without a `.env`). */
export async function stackEnv(dir: string): Promise<Record<string, string>> {
  const text = await readTextOrUndefined(join(dir, ".env"));
  if (text === undefined) return {};
  // Loaded only here: most stacks have no `.env`, and every start would pay for it.
  const { parse } = await import("dotenv");
  return Object.fromEntries(
    Object.entries(parse(text)).filter(([key]) => !key.startsWith("DOCKER_")),
  );
}
