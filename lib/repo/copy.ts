/**
 * Copying a stack's files out of the clone into the folder it runs from
 * (docs/how-it-works.md#deploy-steps): a folder stack's whole folder, or a
 * file stack's own files, its compose file as `compose.yaml` and its deploy
 * file as `deploy.yaml`, so every copy is laid out alike.
 * @module
 */
import { dirname, join } from "node:path";
import { copyDir, copyEntry } from "../fsutil.ts";
import type { Stack } from "./discover.ts";

/**
 * Copies the files of `stack` from the clone at `repoDir` into `to` (created
 * when missing). Modes and symlinks are kept, as `installFiles` keeps them.
 */
export async function copyStack(
  repoDir: string,
  stack: Pick<Stack, "path" | "files">,
  to: string,
): Promise<void> {
  const from = join(repoDir, stack.path);
  if (stack.files === undefined) return await copyDir(from, to);
  await Deno.mkdir(to, { recursive: true });
  for (const file of stack.files) {
    const target = join(to, file.to);
    await Deno.mkdir(dirname(target), { recursive: true });
    await copyEntry(join(from, file.from), target);
  }
}
