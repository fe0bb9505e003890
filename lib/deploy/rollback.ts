/**
 * Putting `good_stacks/NAME` back (`autostack rollback NAME`), whatever the
 * stack's method. The good version goes back the way its own settings say: as
 * a canary beside the live copy (no downtime; a good version that is not
 * healthy is removed and the live one keeps serving), or with `simple`'s
 * restore, which takes down whatever project is live (`NAME` or
 * `NAME-canary`) first.
 * @module
 */
import { type DeploySettings, loadSettings } from "../config/mod.ts";
import { readVersion } from "../state/mod.ts";
import {
  clearLeftovers,
  rollbackAsCanary,
  takeDownStack,
  tidyFolders,
  whyNotCanaryAt,
} from "./canary/mod.ts";
import type { DeployContext } from "./context.ts";
import { liveProject } from "./projects.ts";
import { copySettings, restoreGood, type RolledBack } from "./restore.ts";
import { restoreSwarmGood } from "./swarm/mod.ts";
import { findComposeFile, labelTarget } from "./targets.ts";

/** Puts `good_stacks/NAME` back in place; `fallback` settings serve when the good copy has none. */
export async function rollbackStack(
  ctx: DeployContext,
  name: string,
  fallback: DeploySettings,
): Promise<RolledBack> {
  const { paths } = ctx;
  const good = await readVersion(paths.good(name));
  if (!good) return "none";
  const deployed = await readVersion(paths.running(name));
  const live = liveProject(name, deployed);
  const dir = paths.good(name);
  const loaded = await loadSettings(
    dir,
    `good_stacks/${name}`,
    await findComposeFile(dir),
    ctx.config.defaults,
  );
  const settings = loaded.settings ?? fallback;
  if (settings.mode === "swarm") {
    // A Compose version replaced the swarm one (docs/swarm.md#back-to-compose): its copies go.
    const now = deployed && await copySettings(ctx, name, paths.running(name), undefined);
    if (now !== undefined && now.mode !== "swarm") await takeDownStack(ctx, name, deployed);
    const restored = await restoreSwarmGood(ctx, name, settings);
    return restored === "none" ? "none" : { ...restored, method: settings.method, project: name };
  }
  await clearLeftovers(ctx, name, deployed);
  const why = settings.method === "canary"
    ? await whyNotCanaryAt(ctx, name, dir, settings, live)
    : { text: "", warn: false };
  if (why === undefined) return await rollbackAsCanary(ctx, name, settings, live);
  const restored = await restoreGood(ctx, name, settings, labelTarget(ctx, live));
  await tidyFolders(ctx, name);
  if (restored === "none") return "none";
  const note = why.text === "" ? "" : ` (canary: ${why.text}: restored with simple)`;
  return { ...restored, message: `${restored.message}${note}`, method: "simple", project: name };
}
