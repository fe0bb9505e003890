/**
 * Private to `canary.ts`: `autostack rollback NAME` for every method. The good
 * version goes back in the way its own settings say: as a canary beside the
 * live copy (no downtime; a good version that is not healthy is removed and
 * the live one keeps serving), or with `simple`'s restore, which takes down
 * whatever project is live (`NAME` or `NAME-canary`) first.
 * @module
 */
import { join } from "node:path";
import { type Engine, filesTarget, findComposeFile, labelTarget } from "./context.ts";
import { type Restored, restoreGood } from "./restore.ts";
import { type DeploySettings, loadSettings } from "../config/settings.ts";
import { installFiles, readVersion, VERSION_FILE } from "../state/state.ts";
import { tryCopy } from "./canary/_copy.ts";
import { whyNotCanaryAt } from "./canary/_check.ts";
import { liveProject, peerProject } from "./canary/_model.ts";
import { clearLeftovers, removeCopy, slotDir, tidyFolders } from "./canary/_state.ts";
import { switchOver } from "./canary/_switch.ts";

/** How a rollback ended, with the method used and the project live afterwards. */
export type RolledBack = "none" | (Exclude<Restored, "none"> & { method: string; project: string });

/** Puts `good_stacks/NAME` back in place; `fallback` settings serve when the good copy has none. */
export async function rollbackStack(
  engine: Engine,
  name: string,
  fallback: DeploySettings,
): Promise<RolledBack> {
  const { paths } = engine;
  const good = await readVersion(paths.good(name));
  if (!good) return "none";
  const deployed = await readVersion(paths.running(name));
  const live = liveProject(name, deployed);
  const dir = paths.good(name);
  const loaded = await loadSettings(
    dir,
    `good_stacks/${name}`,
    await findComposeFile(dir),
    engine.config.defaults,
  );
  const settings = loaded.settings ?? fallback;
  await clearLeftovers(engine, name, deployed);
  const why = settings.method === "canary"
    ? await whyNotCanaryAt(engine, name, dir, settings, live)
    : { text: "", warn: false };
  if (why === undefined) return await canaryBack(engine, name, settings, live);
  const restored = await restoreGood(engine, name, settings, labelTarget(engine, live));
  await tidyFolders(engine, name);
  if (restored === "none") return "none";
  const note = why.text === "" ? "" : ` (canary: ${why.text}: restored with simple)`;
  return { ...restored, message: `${restored.message}${note}`, method: "simple", project: name };
}

/** The good version as a canary beside the live copy; the live one is untouched if it fails. */
async function canaryBack(
  engine: Engine,
  name: string,
  settings: DeploySettings,
  live: string,
): Promise<RolledBack> {
  const { paths } = engine;
  const good = (await readVersion(paths.good(name)))!;
  const deployed = await readVersion(paths.running(name));
  const peer = peerProject(name, live);
  const slot = slotDir(engine, name, peer);
  await Deno.remove(slot, { recursive: true }).catch(() => {});
  await installFiles(paths.good(name), slot);
  await Deno.remove(join(slot, VERSION_FILE));
  const target = await filesTarget(engine, peer, slot, settings);
  const trial = await tryCopy(engine, name, target, settings);
  const version = { commit: good.commit, tree: good.tree };
  if (!trial.ok) {
    await removeCopy(engine, peer, { drainMs: settings.drain });
    await tidyFolders(engine, name);
    const message = `${trial.message}; the good copy was removed, ${live} kept serving`;
    return { ok: false, ...version, message, method: "canary", project: live };
  }
  await switchOver(engine, {
    name,
    from: live,
    to: peer,
    slot,
    oldVersion: deployed,
    version,
    // The version rolled back from is not a version to go back to.
    saveOld: false,
    drainMs: settings.drain,
  });
  return { ok: true, ...version, message: "healthy", method: "canary", project: peer };
}
