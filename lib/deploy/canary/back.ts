/**
 * The good version back as a canary (`autostack rollback NAME` of a canary
 * stack): `good_stacks/NAME` starts beside the live copy from its own slot,
 * and the switch happens only once it is healthy; a good version that is not
 * healthy is removed and the live one keeps serving (docs/canary.md).
 * @module
 */
import { join } from "node:path";
import type { DeploySettings } from "../../config/mod.ts";
import { installFiles, readVersion, VERSION_FILE } from "../../state/mod.ts";
import type { DeployContext } from "../context.ts";
import { peerProject } from "../projects.ts";
import type { RolledBack } from "../restore.ts";
import { filesTarget } from "../targets.ts";
import { tryCopy } from "./_copy.ts";
import { removeCopy, slotDir, tidyFolders } from "./_state.ts";
import { switchOver } from "./_switch.ts";

/** The good version as a canary beside the live copy; the live one is untouched if it fails. */
export async function rollbackAsCanary(
  ctx: DeployContext,
  name: string,
  settings: DeploySettings,
  live: string,
): Promise<RolledBack> {
  const { paths } = ctx;
  const good = (await readVersion(paths.good(name)))!;
  const deployed = await readVersion(paths.running(name));
  const peer = peerProject(name, live);
  const slot = slotDir(ctx, name, peer);
  await Deno.remove(slot, { recursive: true }).catch(() => {});
  await installFiles(paths.good(name), slot);
  await Deno.remove(join(slot, VERSION_FILE));
  const target = await filesTarget(ctx, peer, slot, settings);
  const trial = await tryCopy(ctx, name, target, settings);
  const version = { commit: good.commit, tree: good.tree };
  if (!trial.ok) {
    await removeCopy(ctx, peer, { drainMs: settings.drain });
    await tidyFolders(ctx, name);
    const message = `${trial.message}; the good copy was removed, ${live} kept serving`;
    return { ok: false, ...version, message, method: "canary", project: live };
  }
  // The version rolled back from is not a version to go back to: saveOld false.
  const copies = { name, from: live, to: peer, slot, oldVersion: deployed };
  // Its pins come with it (the copy holds them): the exact images that were healthy.
  const pinned = { ...version, ...(good.images === undefined ? {} : { images: good.images }) };
  await switchOver(ctx, { ...copies, version: pinned, saveOld: false, drainMs: settings.drain });
  return { ok: true, ...version, message: "healthy", method: "canary", project: peer };
}
