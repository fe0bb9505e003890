/**
 * Stack names (docs/how-it-works.md#discovery): how a folder name becomes a
 * compose project name, and the one order stacks are listed in. Pure, so the
 * planner and discovery share it without importing each other.
 * @module
 */

/**
 * Normalises a folder name to compose's project name rules: lower case, only
 * `[a-z0-9_-]`, starting with a letter or digit (as compose-go does it).
 */
export function normalizeName(folder: string): string {
  return folder.toLowerCase().replace(/[^a-z0-9_-]/g, "").replace(/^[_-]+/, "");
}

/**
 * Orders by `name` in code-point order: stack names are ASCII, and
 * `localeCompare` would load ICU's collator (~10 ms a run).
 */
export function compareNames(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
