/**
 * The stack names a command can know of without a fetch: the folders of the
 * state (running and good copies).
 * @module
 */

/** The names of the folders under each of `roots`; a missing root has none. */
export async function folderNames(...roots: string[]): Promise<Set<string>> {
  const names = new Set<string>();
  for (const root of roots) {
    try {
      for await (const entry of Deno.readDir(root)) {
        if (entry.isDirectory) names.add(entry.name);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return names;
}
