/**
 * Swarm configs and secrets named after their content (docs/swarm.md#configs-and-secrets).
 * Swarm objects are immutable: `docker stack deploy` of a changed `configs:`
 * or `secrets:` file under the same name fails ("only updates to Labels are
 * allowed"). So each one a stack defines with `file:` is deployed as
 * `<stack>_<key>_<hash10>`: a changed file is a new object, the services move
 * to it, and the old one is removed once neither the running nor the good
 * version uses it (`unused_objects.ts`). The names go into a generated
 * override compose file passed last; the user's files stay as they are.
 *
 * Checked on Docker 26 with the docker 28 CLI: `docker stack deploy` merges a
 * top-level config or secret entry of a later `-c` file by replacing the
 * whole entry (an override with only `name:` loses the base's `file:`), so the
 * override repeats the entry; relative `file:` paths resolve against the
 * folder of the first `-c` file wherever the override lives.
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, resolve } from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { removeIfExists, writeFileAtomic } from "../../fsutil.ts";

/** The top-level compose sections that hold Swarm objects. */
export const OBJECT_SECTIONS = ["configs", "secrets"] as const;

/** `configs` or `secrets`; also the docker command of each (`docker config`, `docker secret`). */
export type ObjectSection = (typeof OBJECT_SECTIONS)[number];

/** The longest name Swarm accepts for a config or secret (`[a-zA-Z0-9-_.]`, 64 at most). */
export const MAX_OBJECT_NAME = 64;

/** How many hex digits of the content's SHA-256 go into a name. */
const HASH_LENGTH = 10;

/** A config or secret of a stack and the name it is deployed under. */
export interface StackObject {
  /** Its section. */
  section: ObjectSection;
  /** Its key under the section. */
  key: string;
  /** Its name in the swarm. */
  name: string;
  /**
   * `content`: named by autostack after its file; `user`: the stack's own
   * `name:`, kept as written; `default`: Docker's `<stack>_<key>` (its file is
   * not known before the deploy, e.g. a `${VAR}` in the path, or missing).
   */
  naming: "content" | "user" | "default";
}

/** What to deploy for a stack's configs and secrets. */
export interface ObjectPlan {
  /** Every config and secret the stack defines, external ones left out. */
  objects: StackObject[];
  /** The override compose document naming the content-named ones; absent when there are none. */
  override?: Record<ObjectSection, Record<string, Record<string, unknown>>>;
}

/** A compose file's top-level entry of a config or secret: outside data, narrowed loosely. */
const Entry = z.record(z.string(), z.unknown());
const Section = z.record(z.string(), Entry.nullable());
const Doc = z.object({ configs: Section.nullish(), secrets: Section.nullish() });
type Entry = z.infer<typeof Entry>;

/**
 * The definition of each config and secret across the compose files in
 * order: a later file's entry replaces an earlier one's whole, as `docker
 * stack deploy` merges them.
 */
function definitions(docs: readonly unknown[]): Map<ObjectSection, Map<string, Entry>> {
  const found = new Map<ObjectSection, Map<string, Entry>>(
    OBJECT_SECTIONS.map((section) => [section, new Map()]),
  );
  for (const doc of docs) {
    const parsed = Doc.safeParse(doc);
    if (!parsed.success) continue; // not a compose shape docker would take either: it says why
    for (const section of OBJECT_SECTIONS) {
      for (const [key, entry] of Object.entries(parsed.data[section] ?? {})) {
        found.get(section)!.set(key, entry ?? {});
      }
    }
  }
  return found;
}

/** The file a definition is named after, when autostack names it: `file:`, no `external`, no `name:`. */
function contentFile(entry: Entry): string | undefined {
  if (entry.external || entry.name !== undefined) return undefined;
  // A `${VAR}` path is only known to docker at deploy time: Docker's own name then.
  return typeof entry.file === "string" && !entry.file.includes("$") ? entry.file : undefined;
}

/** The `file:` paths (as written) of the configs and secrets autostack names after their content. */
export function contentFiles(docs: readonly unknown[]): string[] {
  const files = new Set<string>();
  for (const entries of definitions(docs).values()) {
    for (const entry of entries.values()) {
      const file = contentFile(entry);
      if (file !== undefined) files.add(file);
    }
  }
  return [...files];
}

/**
 * The hash a name carries: the content's, mixed with the `template_driver`
 * when one is set, since Swarm refuses a change of it under the same name too.
 */
function specHash(contentHash: string, entry: Entry): string {
  const driver = entry.template_driver;
  return typeof driver === "string" ? sha256Hex(`${contentHash}\0${driver}`) : contentHash;
}

/** The first `length` hex digits of the SHA-256 of `data`. */
export function sha256Hex(data: string | Uint8Array, length = 64): string {
  return createHash("sha256").update(data).digest("hex").slice(0, length);
}

/**
 * The Swarm name of `key` of `stack` whose content hashes to `hash`:
 * `<stack>_<key>_<hash10>`. A name over {@link MAX_OBJECT_NAME} characters, or
 * a key with characters Swarm refuses (replaced by `-`), keeps its start and
 * gets 6 hex digits of `<stack>_<key>` so that two keys never share a name.
 */
export function objectName(stack: string, key: string, hash: string): string {
  const content = hash.slice(0, HASH_LENGTH);
  const safeKey = key.replace(/[^A-Za-z0-9_.-]/g, "-");
  const full = `${stack}_${safeKey}_${content}`;
  if (full.length <= MAX_OBJECT_NAME && safeKey === key) return full;
  const id = sha256Hex(`${stack}_${key}`, 6);
  const head = `${stack}_${safeKey}`.slice(0, MAX_OBJECT_NAME - HASH_LENGTH - id.length - 2);
  return `${head}_${id}_${content}`;
}

/**
 * Decides the name of every config and secret of `stack` from its compose
 * documents (the stack's compose files as parsed YAML, in order) and the
 * SHA-256 (hex) of each file {@link contentFiles} listed, keyed by the path
 * as written. An entry whose file has no hash (it could not be read) keeps
 * Docker's name, and `docker stack deploy` reports the file.
 */
export function planObjectNames(
  stack: string,
  docs: readonly unknown[],
  hashes: ReadonlyMap<string, string>,
): ObjectPlan {
  const objects: StackObject[] = [];
  const override: NonNullable<ObjectPlan["override"]> = { configs: {}, secrets: {} };
  let pinned = false;
  for (const [section, entries] of definitions(docs)) {
    for (const [key, entry] of entries) {
      if (entry.external) continue; // made outside the stack: its name is not ours to change
      const file = contentFile(entry);
      const hash = file === undefined ? undefined : hashes.get(file);
      if (hash !== undefined) {
        const name = objectName(stack, key, specHash(hash, entry));
        objects.push({ section, key, name, naming: "content" });
        // The whole entry: a partial one would replace the user's (file, labels …).
        override[section][key] = { ...entry, name };
        pinned = true;
      } else if (typeof entry.name === "string") {
        objects.push({ section, key, name: entry.name, naming: "user" });
      } else {
        objects.push({ section, key, name: `${stack}_${key}`, naming: "default" });
      }
    }
  }
  return pinned ? { objects, override } : { objects };
}

/** What a deploy passes to `docker stack deploy`: the compose files and the object names in use. */
export interface PinnedFiles {
  /** The `-c` files in order: the stack's, then the override when one was written. */
  files: string[];
  /** The names of the stack's configs and secrets, for `removeUnusedObjects()`'s `keep`. */
  names: string[];
}

/**
 * Where the override of the copy in `dir` goes: beside the folder, not in
 * it, so that clearing the folder for the next version never meets it.
 */
export function objectsFileOf(dir: string): string {
  return `${resolve(dir)}.swarm-objects.yaml`;
}

/**
 * The {@link ObjectPlan} of a copy's compose `files` (absolute, in order):
 * reads them, and hashes the files its configs and secrets are made of
 * (relative `file:` paths resolve against the first one's folder, as `docker
 * stack deploy` resolves them). Files that are not YAML, or missing, are left
 * for docker to report.
 */
export async function readObjectPlan(stack: string, files: readonly string[]): Promise<ObjectPlan> {
  const docs: unknown[] = [];
  for (const file of files) {
    try {
      docs.push(YAML.parse(await Deno.readTextFile(file), { merge: true, maxAliasCount: 1000 }));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof YAML.YAMLError) continue;
      throw error;
    }
  }
  const base = files[0] === undefined ? "." : dirname(files[0]);
  const hashes = new Map<string, string>();
  for (const file of contentFiles(docs)) {
    try {
      hashes.set(file, sha256Hex(await Deno.readFile(resolve(base, file))));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return planObjectNames(stack, docs, hashes);
}

/**
 * The names of the configs and secrets the copy with compose `files` deploys,
 * without writing anything: the good copy's, for `removeUnusedObjects()`'s `keep`.
 */
export async function objectNamesOf(stack: string, files: readonly string[]): Promise<string[]> {
  return (await readObjectPlan(stack, files)).objects.map((o) => o.name);
}

/**
 * Writes the override naming a copy's configs and secrets after their content
 * ({@link readObjectPlan}) to `out` (see {@link objectsFileOf}), and gives the
 * files to deploy; with nothing to name, removes a stale `out`.
 */
export async function pinObjectNames(
  stack: string,
  files: readonly string[],
  out: string,
): Promise<PinnedFiles> {
  const plan = await readObjectPlan(stack, files);
  const names = plan.objects.map((o) => o.name);
  if (plan.override === undefined) {
    await removeIfExists(out);
    return { files: [...files], names };
  }
  const header = "# Written by autostack for docker stack deploy: configs and secrets named " +
    "after their content.\n";
  await writeFileAtomic(out, header + YAML.stringify(plan.override));
  return { files: [...files, out], names };
}
