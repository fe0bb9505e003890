/**
 * A real temp folder for a unit test, always removed afterwards, whether the
 * test passed or threw, and files written into it.
 * @module
 */
import { join } from "node:path";

/** Runs `fn` in a fresh temp folder (named with `prefix`) and removes it after. */
export async function withTempDir(
  fn: (dir: string) => Promise<void>,
  prefix = "autostack_test_",
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes `files` (relative path → text) under `dir`, making their folders. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
}
