/**
 * Private to the canary folder: the switch from the old copy to the new one, once
 * the new one passed its soak (docs/canary.md). The order is chosen so that a
 * run killed at any step leaves a state the next run converges from, and
 * never a stack with no copy serving:
 *
 * 1. the old version becomes the good copy (when it was healthy);
 * 2. `version.txt` records the new project as live, still `pending` (the
 *    files are still the old version's: they are replaced in step 5);
 * 3. the old copy is taken off the shared aliases but stays on the networks
 *    at its address, then `drain` passes: proxies that resolved it before
 *    still reach it until they look again, and find only the new copy;
 * 4. the old copy leaves the networks and is taken down (volumes kept), its
 *    folder removed;
 * 5. `running_stacks/NAME` gets the new files and a final `version.txt`.
 *
 * Killed after 2, the next run sees `pending`, takes the new copy as the live
 * one and takes the old one down as a leftover.
 * @module
 */
import { checkpoint, type DeployContext } from "../context.ts";
import { clearVersions } from "../clear.ts";
import { installFiles, saveGood, type VersionInfo, writeVersion } from "../../state/mod.ts";
import { removeCopy, slotDir } from "./_state.ts";
import { copiedNames } from "../secrets.ts";

/** What a switch needs to know. */
export interface Switch {
  /** The stack. */
  name: string;
  /** The project live now (taken down). */
  from: string;
  /** The project of the new copy (live after the switch). */
  to: string;
  /** The folder the new copy runs from. */
  slot: string;
  /** What `running_stacks/NAME/version.txt` says now, if anything. */
  oldVersion: VersionInfo | undefined;
  /** The new version, with its image pins when it follows its images. */
  version: Pick<VersionInfo, "commit" | "tree" | "images">;
  /** Copy the old version to `good_stacks/NAME` first (it was healthy). */
  saveOld: boolean;
  /** The `drain` grace period, in milliseconds. */
  drainMs: number;
}

/** Carries out the switch; throws on Docker or file errors (state stays convergent). */
export async function switchOver(ctx: DeployContext, s: Switch): Promise<void> {
  const { paths, deps } = ctx;
  const running = paths.running(s.name);
  if (s.saveOld) await saveGood(paths, s.name, ctx.config.keep_releases);
  const record = s.oldVersion ?? { ...s.version, pending: false };
  await writeVersion(running, {
    commit: record.commit,
    tree: record.tree,
    // The files are still the old version's: so are its pins, until step 5.
    ...(record.images === undefined ? {} : { images: record.images }),
    pending: true,
    startedAt: deps.now().toISOString(),
    project: s.to,
  });
  checkpoint(ctx, s.name, "canary_after_switch");

  await removeCopy(ctx, s.from, {
    drainMs: s.drainMs,
    onDrain: () => checkpoint(ctx, s.name, "canary_drain"),
  });
  await Deno.remove(slotDir(ctx, s.name, s.from), { recursive: true }).catch(() => {});

  await clearVersions(ctx, s.name, [s.oldVersion?.tree, s.version.tree]);
  const files = await ctx.repo.filesOf(s.version.tree);
  // Only what the version ships: files the new copy wrote into its folder stay there.
  await installFiles(s.slot, running, files && copiedNames(files));
  await writeVersion(running, { ...s.version, pending: false, project: s.to });
}
