/**
 * `method: canary` on a swarm (docs/swarm.md#canary): a start-first rolling
 * update, so each new task starts (and, with a healthcheck, turns healthy)
 * before an old one stops. Services that set `update_config.order`
 * themselves keep it. The override is a compose file of its own, given last
 * to `docker stack deploy`, so the stack's files stay as the repo has them.
 * @module
 */
import { join } from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { writeFileAtomic } from "../../fsutil.ts";
import { GENERATED_PREFIX } from "../../state/mod.ts";
import type { DeployContext } from "../context.ts";
import { stackModel } from "./model.ts";

/** The override's file name in the copy (deleted on clearing, as autostack wrote it). */
export const START_FIRST_FILE = `${GENERATED_PREFIX}start-first.yaml`;

const Model = z.object({
  services: z.record(
    z.string(),
    z.object({
      deploy: z.object({ update_config: z.object({ order: z.string().optional() }).nullish() })
        .nullish(),
    }),
  ).nullish(),
});

/**
 * The override that makes every service of `model` (`docker stack config`
 * of the stack) update start-first, unless it sets an order;
 * `undefined` when no service needs it. Pure.
 */
export function startFirstOverride(model: unknown): string | undefined {
  const parsed = Model.safeParse(model);
  if (!parsed.success) return undefined;
  const services = Object.entries(parsed.data.services ?? {})
    .filter(([, s]) => s.deploy?.update_config?.order === undefined)
    .map(([name]) => [name, { deploy: { update_config: { order: "start-first" } } }]);
  if (services.length === 0) return undefined;
  return YAML.stringify({ services: Object.fromEntries(services) });
}

/** Writes the start-first override for the copy in `dir`; returns its path, if one is needed. */
export async function writeStartFirst(
  ctx: DeployContext,
  dir: string,
  files: string[],
): Promise<string | undefined> {
  const text = startFirstOverride(await stackModel(ctx, dir, files));
  if (text === undefined) return undefined;
  const path = join(dir, START_FIRST_FILE);
  await writeFileAtomic(path, text);
  return path;
}
