/**
 * Which of the images, networks and volumes a version needs are missing on
 * this host, asked before anything is stopped (docs/how-it-works.md#preflight).
 * One `inspect` per kind when everything is there, which is the usual case;
 * only when it fails is each name asked on its own, to say which one is missing.
 * @module
 */
import { daemonDown, DockerDownError } from "../errors.ts";
import { type Runner, tail } from "../process.ts";

/** What can be missing. */
export type ResourceKind = "image" | "network" | "volume";

/** How long one inspect may take. */
const INSPECT_TIMEOUT_MS = 30_000;

/** The names of `kind` among `names` that `engine` does not have; `[]` when all are there. */
export async function missingResources(
  runner: Runner,
  engine: string,
  kind: ResourceKind,
  names: readonly string[],
): Promise<string[]> {
  const unique = [...new Set(names)];
  if (unique.length === 0) return [];
  if (await exists(runner, engine, kind, unique)) return [];
  const found = await Promise.all(unique.map((name) => exists(runner, engine, kind, [name])));
  return unique.filter((_, i) => !found[i]);
}

async function exists(
  runner: Runner,
  engine: string,
  kind: ResourceKind,
  names: readonly string[],
): Promise<boolean> {
  // Images have no `.Name`: a field the object lacks makes inspect fail.
  const field = kind === "image" ? "{{.Id}}" : "{{.Name}}";
  const r = await runner.run([engine, kind, "inspect", "--format", field, ...names], {
    timeoutMs: INSPECT_TIMEOUT_MS,
  });
  if (r.code !== 0 && daemonDown(r.stderr)) throw new DockerDownError(tail(r.stderr, 3));
  return r.code === 0;
}
