/**
 * Stack names (docs/how-it-works.md#discovery): how a folder name becomes a
 * compose project name, the one order stacks are listed in, and the file
 * names that make a stack (compose files, `NAME-compose.yaml`, deploy files).
 * Pure, so the planner, discovery, settings and validate share them without
 * importing each other. Also the error for a stack name that does not exist.
 * @module
 */
import { UsageError } from "./errors.ts";

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

/** Compose file names that make a folder a stack, in the order docs/how-it-works.md#discovery lists them. */
export const COMPOSE_FILES = [
  "compose.yaml",
  "compose.yml",
  "docker-compose.yaml",
  "docker-compose.yml",
] as const;

/** Deploy settings file names of a folder stack (docs/stack-settings.md), in the order they are read. */
export const DEPLOY_FILES = ["deploy.yaml", "deploy.yml"] as const;

// `caddy-compose.yaml`, `caddy.compose.yml` …: a stack of its own in a shared folder.
const FILE_STACK = /^(.+?)([-.])compose\.(yaml|yml)$/;

/**
 * The stack a file named `NAME-compose.yaml` (or `.yml`, or `NAME.compose.yaml`
 * / `.yml`) stands for (docs/how-it-works.md#discovery): `NAME`, as written.
 * `undefined` for any other name, the four folder compose files included.
 */
export function fileStackName(fileName: string): string | undefined {
  if ((COMPOSE_FILES as readonly string[]).includes(fileName)) return undefined;
  return FILE_STACK.exec(fileName)?.[1];
}

/**
 * The order among compose files that name the same file stack: `-compose.yaml`,
 * `-compose.yml`, `.compose.yaml`, `.compose.yml`. The first one present is
 * the stack's compose file.
 */
export function fileStackRank(fileName: string): number {
  const match = FILE_STACK.exec(fileName);
  if (!match) return 4;
  return (match[2] === "-" ? 0 : 2) + (match[3] === "yaml" ? 0 : 1);
}

/**
 * The deploy settings files that go with a compose file, in the order they are
 * read: `deploy.yaml`, `deploy.yml` for a folder's compose file,
 * `NAME-deploy.yaml`, `NAME-deploy.yml` for `NAME-compose.yaml` and
 * `NAME.compose.yaml`.
 */
export function deployFilesFor(composeFile: string): string[] {
  const name = fileStackName(composeFile);
  return name === undefined ? [...DEPLOY_FILES] : [`${name}-deploy.yaml`, `${name}-deploy.yml`];
}

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
