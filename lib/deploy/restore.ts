/**
 * Going back to `good_stacks/NAME` (docs/how-it-works.md#rollback, and
 * `autostack rollback` for a `simple` stack): take the failed version down, put
 * the good files back into `running_stacks/NAME` (pending until healthy), start
 * them and wait for healthy; a good version that is not healthy either is
 * stopped, not removed.
 * @module
 */
import { basename, dirname } from "node:path";
import type { ComposeTarget } from "../docker/mod.ts";
import { type Gate, upAndCheck } from "./gate.ts";
import { checkpoint, type DeployContext } from "./context.ts";
import { filesTarget, findComposeFile, labelTarget } from "./targets.ts";
import { type DeploySettings, loadSettings } from "../config/mod.ts";
import { installFiles, readVersion, type VersionInfo, writeVersion } from "../state/mod.ts";
import { clearVersions } from "./clear.ts";

/** How a restore ended: no good copy, or the good commit and whether it is healthy. */
export type Restored = "none" | { ok: boolean; commit: string; tree: string; message: string };

/** How a rollback ended, with the method used and the project live afterwards. */
export type RolledBack = "none" | (Exclude<Restored, "none"> & { method: string; project: string });

/**
 * Replaces whatever runs as `name` with the good copy and waits for healthy.
 * `current` is the target of the version being replaced (taken down first).
 */
export async function restoreGood(
  ctx: DeployContext,
  name: string,
  settings: DeploySettings,
  current: ComposeTarget = labelTarget(ctx, name),
): Promise<Restored> {
  const { compose } = ctx;
  // The good copy may have been live under a canary's second project name; it
  // comes back under the stack's own name, so that name is not carried over.
  const back = await reinstallGood(ctx, name, settings, async () => {
    await compose.down({ ...current, files: undefined, dir: undefined });
    checkpoint(ctx, name, "rollback_after_down");
  });
  if (back === "none") return "none";
  const target = await filesTarget(ctx, name, back.running, back.own);
  const gate = await upAndCheck(ctx, target, back.own, "simple");
  if (!gate.ok) await compose.stop(labelTarget(ctx, name)).catch(() => {});
  return await restoreEnded(back, gate);
}

/** The good version put back into `running_stacks/NAME`, pending until its gate passes. */
export interface Reinstalled {
  /** The good version, with its image pins. */
  good: Omit<VersionInfo, "pending" | "startedAt">;
  /** `running_stacks/NAME`. */
  running: string;
  /** The good copy's own settings (its compose_files, timeout, mode). */
  own: DeploySettings;
}

/**
 * Puts the good copy of `name` back into `running_stacks/NAME`, pending until
 * healthy, once `makeRoom` has dealt with what runs now (the mode's way), and
 * reads its own settings; "none" without a good copy. Its image pins come back
 * with it: the exact images that were healthy (docs/image-updates.md).
 */
export async function reinstallGood(
  ctx: DeployContext,
  name: string,
  settings: DeploySettings,
  makeRoom: () => Promise<void> = () => Promise.resolve(),
): Promise<Reinstalled | "none"> {
  const { paths } = ctx;
  const saved = await readVersion(paths.good(name));
  if (!saved) return "none";
  const pins = saved.images === undefined ? {} : { images: saved.images };
  const good = { commit: saved.commit, tree: saved.tree, ...pins };
  await makeRoom();
  const running = paths.running(name);
  const replaced = await readVersion(running);
  await clearVersions(ctx, name, [replaced?.tree, good.tree]);
  await installFiles(paths.good(name), running);
  await writeVersion(running, { ...good, pending: true, startedAt: ctx.deps.now().toISOString() });
  return { good, running, own: await copySettings(ctx, name, running, settings) };
}

/** Ends a restore by its gate: the good version is final when it turned healthy. */
export async function restoreEnded(
  { good, running }: Reinstalled,
  gate: Gate,
): Promise<Exclude<Restored, "none">> {
  if (!gate.ok) return { ok: false, commit: good.commit, tree: good.tree, message: gate.message };
  await writeVersion(running, { ...good, pending: false });
  return { ok: true, commit: good.commit, tree: good.tree, message: "healthy" };
}

/**
 * The own settings of the copy in `dir` (its compose_files, timeout, mode),
 * else `fallback` (the new version's) when it has none that load.
 */
export async function copySettings<T extends DeploySettings | undefined>(
  ctx: DeployContext,
  name: string,
  dir: string,
  fallback: T,
): Promise<DeploySettings | T> {
  const result = await loadSettings(
    dir,
    `${basename(dirname(dir))}/${name}`,
    await findComposeFile(dir),
    ctx.config.defaults,
  );
  return result.settings ?? fallback;
}
