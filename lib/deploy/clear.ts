/**
 * Emptying `running_stacks/NAME` before other files go in, for every step that
 * does it (a deploy, a restore, a canary switch, a removal): the files the
 * versions involved ship are deleted, anything else (a file a container wrote)
 * is moved to a time-stamped orphans folder.
 * @module
 */
import { clearRunning } from "../state/mod.ts";
import type { DeployContext } from "./context.ts";
import { shippedNames } from "./secrets.ts";

/**
 * Clears `running_stacks/NAME` of the files of `trees` (old and new version,
 * listed by git at once). A tree git cannot list adds no file, so what it
 * shipped is moved aside rather than lost. A decrypted `NAME.age` (`NAME`) was
 * shipped too. Returns the relative paths moved.
 */
export async function clearVersions(
  ctx: DeployContext,
  name: string,
  trees: readonly (string | undefined)[],
): Promise<string[]> {
  const lists = await Promise.all(
    trees.map((tree) => tree === undefined ? [] : ctx.repo.filesOf(tree)),
  );
  return await clearRunning(
    ctx.paths.running(name),
    new Set(lists.flatMap((files) => shippedNames(files ?? []))),
    ctx.paths.orphansAt(name, ctx.deps.now()),
  );
}
