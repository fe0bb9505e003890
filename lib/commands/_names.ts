/**
 * Names a command was given that do not exist (docs/how-it-works.md#exit-codes):
 * a usage error (exit 2) that lists the names there are, when they are few.
 * @module
 */
import { UsageError } from "../errors.ts";

/** At most this many known names are listed in the error. */
const LISTED = 10;

/** `COMMAND: no stack "NAME" WHERE (known: a, b)`, as a {@link UsageError}. */
export function unknownName(
  command: string,
  name: string,
  where: string,
  known: Iterable<string>,
): UsageError {
  const names = [...new Set(known)].sort();
  const list = names.length === 0
    ? " (there is none)"
    : names.length <= LISTED
    ? ` (known: ${names.join(", ")})`
    : "";
  return new UsageError(`${command}: no stack "${name}" ${where}${list}`);
}

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
