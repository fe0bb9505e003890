/**
 * Going back to `good_stacks/NAME` (SPEC 5 simple method, and `autostack
 * rollback`): take the failed version down, put the good files back into
 * `running_stacks/NAME` (pending until healthy), start them and wait for
 * healthy; a good version that is not healthy either is stopped, not removed.
 * @module
 */
import { join } from "node:path";
import type { ComposeTarget } from "../docker/compose.ts";
import { upAndCheck } from "./gate.ts";
import { checkpoint, type Engine, filesTarget, findComposeFile, labelTarget } from "./context.ts";
import { type DeploySettings, loadSettings } from "../config/settings.ts";
import { clearRunning, installFiles, readVersion, writeVersion } from "../state/state.ts";

/** How a restore ended: no good copy, or the good commit and whether it is healthy. */
export type Restored = "none" | { ok: boolean; commit: string; tree: string; message: string };

/**
 * Replaces whatever runs as `name` with the good copy and waits for healthy.
 * `current` is the target of the version being replaced (taken down first).
 */
export async function restoreGood(
  engine: Engine,
  name: string,
  settings: DeploySettings,
  current: ComposeTarget = labelTarget(engine, name),
): Promise<Restored> {
  const { paths, compose } = engine;
  const saved = await readVersion(paths.good(name));
  if (!saved) return "none";
  // The good copy may have been live under a canary's second project name; it
  // comes back under the stack's own name, so that name is not carried over.
  const good = { commit: saved.commit, tree: saved.tree };
  await compose.down({ ...current, files: undefined, dir: undefined });
  checkpoint(engine, name, "rollback_after_down");
  const running = paths.running(name);
  const current_version = await readVersion(running);
  const shipped = new Set([
    ...(current_version ? await engine.repo.filesOf(current_version.tree) ?? [] : []),
    ...(await engine.repo.filesOf(good.tree) ?? []),
  ]);
  const stamp = engine.deps.now().toISOString().replace(/[:.]/g, "-");
  await clearRunning(running, shipped, join(paths.orphans(name), stamp));
  await installFiles(paths.good(name), running);
  await writeVersion(running, {
    ...good,
    pending: true,
    startedAt: engine.deps.now().toISOString(),
  });
  const goodSettings = await settingsOf(engine, name, running, settings);
  const target = await filesTarget(engine, name, running, goodSettings);
  const gate = await upAndCheck(engine, target, goodSettings, "simple");
  if (!gate.ok) {
    await compose.stop(labelTarget(engine, name)).catch(() => {});
    return { ok: false, commit: good.commit, tree: good.tree, message: gate.message };
  }
  await writeVersion(running, { ...good, pending: false });
  return { ok: true, commit: good.commit, tree: good.tree, message: "healthy" };
}

/** The good version's own settings (its compose_files, timeout), else the new version's. */
async function settingsOf(
  engine: Engine,
  name: string,
  dir: string,
  fallback: DeploySettings,
): Promise<DeploySettings> {
  const result = await loadSettings(
    dir,
    `good_stacks/${name}`,
    await findComposeFile(dir),
    engine.config.defaults,
  );
  return result.settings ?? fallback;
}
