/**
 * Removing the configs and secrets of a swarm stack that neither its running
 * nor its good version uses (docs/swarm.md#configs-and-secrets): with names
 * that change with their content (`objects.ts`), each changed file leaves an
 * old object behind. Checked on Docker 26: `docker config rm` of an object a
 * service still uses (a task still stopping) fails with "is in use by the
 * following service", which here means "kept until next time", not an error.
 * @module
 */
import { z } from "zod";
import { ComposeError, daemonDown, DockerDownError } from "../../errors.ts";
import { type Runner, tail } from "../../process.ts";
import { ENGINE_TIMEOUT_MS, STACK_LABEL } from "../../docker/mod.ts";
import { OBJECT_SECTIONS, type ObjectSection } from "./objects.ts";

// The label `docker stack deploy` puts on every object of a stack (one home once lib/docker has it).

/** `docker config ls` / `docker secret ls` of the objects labelled as `stack`'s, one JSON per line. */
export function objectListArgs(section: ObjectSection, stack: string): string[] {
  const command = section === "configs" ? "config" : "secret";
  return [
    "docker",
    command,
    "ls",
    "--filter",
    `label=${STACK_LABEL}=${stack}`,
    "--format",
    "{{json .}}",
  ];
}

/** `docker config rm NAME` / `docker secret rm NAME`. */
export function objectRemoveArgs(section: ObjectSection, name: string): string[] {
  return ["docker", section === "configs" ? "config" : "secret", "rm", name];
}

const Listed = z.object({ Name: z.string() });

/** The names in `docker config ls` / `docker secret ls --format '{{json .}}'` output. */
export function parseObjectList(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l.trim() !== "").map((line, i) => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new ComposeError(`cannot read docker object list line ${i + 1}: ${line}`);
    }
    const parsed = Listed.safeParse(json);
    if (!parsed.success) {
      throw new ComposeError(`cannot read docker object list line ${i + 1}: ${line}`);
    }
    return parsed.data.Name;
  });
}

/** What {@link removeUnusedObjects} did. */
export interface ObjectCleanup {
  /** Objects removed, as `configs/NAME` or `secrets/NAME`. */
  removed: string[];
  /** Objects not in `keep` that a service still uses (an old task still stopping): left for next time. */
  inUse: string[];
}

/**
 * Removes the configs and secrets labelled as `stack`'s whose names are not
 * in `keep` (the names the running and the good version use). One a service
 * still uses is refused by Docker and kept; one already gone is no error.
 */
export async function removeUnusedObjects(
  runner: Runner,
  stack: string,
  keep: Iterable<string>,
): Promise<ObjectCleanup> {
  const kept = new Set(keep);
  const done: ObjectCleanup = { removed: [], inUse: [] };
  // Both lists at once: after every healthy deploy, and mostly empty.
  const lists = await Promise.all(
    OBJECT_SECTIONS.map(async (section) =>
      [section, parseObjectList(await call(runner, objectListArgs(section, stack)))] as const
    ),
  );
  for (const [section, listed] of lists) {
    for (const name of listed.filter((n) => !kept.has(n)).sort()) {
      const r = await runner.run(objectRemoveArgs(section, name), { timeoutMs: ENGINE_TIMEOUT_MS });
      if (r.code === 0) done.removed.push(`${section}/${name}`);
      else if (/\bis in use\b/.test(r.stderr)) done.inUse.push(`${section}/${name}`);
      else if (!/\bnot found\b/i.test(r.stderr)) failed(objectRemoveArgs(section, name), r);
    }
  }
  return done;
}

async function call(runner: Runner, args: string[]): Promise<string> {
  const r = await runner.run(args, { timeoutMs: ENGINE_TIMEOUT_MS });
  if (r.code !== 0) failed(args, r);
  return r.stdout;
}

function failed(args: readonly string[], r: { code: number; stderr: string }): never {
  if (daemonDown(r.stderr)) throw new DockerDownError(tail(r.stderr, 3));
  const what = args.slice(0, 3).join(" ");
  throw new ComposeError(`${what} failed (exit ${r.code}): ${tail(r.stderr, 3)}`);
}
