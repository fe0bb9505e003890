/**
 * Bad marks written during a run (docs/how-it-works.md#bad-marks), one change
 * at a time: each change reads bad.json, edits it and writes it back, so two
 * stacks deploying in parallel (`jobs` > 1) that both failed would otherwise
 * keep only one of their marks.
 * @module
 */
import { type ImagePin, markBad } from "../state/mod.ts";
import type { DeployContext } from "./context.ts";

/** Runs one bad.json change (mark, lift) after the ones queued before it. */
export function changeBad<T>(ctx: DeployContext, change: () => Promise<T>): Promise<T> {
  return ctx.badQueue.run(change);
}

/**
 * Marks version `tree` (with its image pins, when it has them) of stack
 * `name`, at this run's commit, bad for `reason` (queued).
 */
export function markVersionBad(
  ctx: DeployContext,
  name: string,
  tree: string,
  reason: string,
  images?: ImagePin[],
): Promise<void> {
  return changeBad(ctx, () =>
    markBad(ctx.paths.bad, name, {
      tree,
      commit: ctx.head.commit,
      marked_at: ctx.deps.now().toISOString(),
      reason,
      ...(images === undefined ? {} : { images }),
    }));
}
