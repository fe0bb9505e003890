/**
 * `version.txt`, the file in a stack's state folder that names the version it
 * holds (docs/how-it-works.md#state): parsed and formatted purely, read and
 * written atomically, and read for every deployed stack at once.
 * @module
 */
import { join } from "node:path";
import { readTextOrUndefined, writeFileAtomic } from "../fsutil.ts";
import type { StatePaths } from "./paths.ts";
import { type ImagePin, writePins } from "./pins.ts";

/** The file in a stack's state folder that names the version it holds. */
export const VERSION_FILE = "version.txt";

/** What `version.txt` says about the version in a state folder. */
export interface VersionInfo {
  /** The commit the files were taken from. */
  commit: string;
  /** The git tree hash of the stack folder at that commit: the version. */
  tree: string;
  /** True while a deploy of this version is in flight (docs/how-it-works.md#crash-safety). */
  pending: boolean;
  /** When the in-flight deploy started (ISO time), when {@link pending}. */
  startedAt?: string;
  /**
   * The compose project these files run as, when it is not the stack name: a
   * canary switch leaves the stack live under its second project name (docs/how-it-works.md#deploy-steps).
   */
  project?: string;
  /** With `image_updates`: the digest each service was deployed with (docs/image-updates.md). */
  images?: ImagePin[];
}

const HASH = /^[0-9a-f]{4,64}$/;
const TREE_LINE = /^tree ([0-9a-f]{4,64})$/;
const PENDING_LINE = /^pending(?:\s+(\S+))?$/;
const PROJECT_LINE = /^project ([a-z0-9][a-z0-9_-]*)$/;
const IMAGE_LINE = /^image (\S+) (sha256:[0-9a-f]{64}) (\S+)$/;

/**
 * Parses `version.txt`: line 1 the commit, line 2 `tree <hash>`, then
 * a line `image SERVICE DIGEST IMAGE` per pinned service, then optionally a
 * line `pending <ISO time>` and a line `project NAME`, in that order. Returns `undefined` for anything else, which callers treat as "no
 * known version" (and so deploy again).
 */
export function parseVersionFile(text: string): VersionInfo | undefined {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  const [commit = "", treeLine = "", ...after] = lines;
  const pins = after.findIndex((line) => !line.startsWith("image "));
  const imageLines = pins === -1 ? after : after.slice(0, pins);
  const rest = after.slice(imageLines.length);
  if (lines.length < 2 || rest.length > 2) return undefined;
  const tree = TREE_LINE.exec(treeLine)?.[1];
  if (!HASH.test(commit) || tree === undefined) return undefined;
  const images = parseImageLines(imageLines);
  if (images === undefined) return undefined;
  const version = parseRest(commit, tree, rest);
  return version === undefined || images.length === 0 ? version : { ...version, images };
}

function parseImageLines(lines: readonly string[]): ImagePin[] | undefined {
  const pins: ImagePin[] = [];
  for (const line of lines) {
    const match = IMAGE_LINE.exec(line);
    if (!match) return undefined;
    pins.push({ service: match[1]!, digest: match[2]!, image: match[3]! });
  }
  return pins;
}

function parseRest(commit: string, tree: string, rest: string[]): VersionInfo | undefined {
  const project = rest.length > 0 ? PROJECT_LINE.exec(rest.at(-1)!)?.[1] : undefined;
  if (project !== undefined) rest.pop();
  const named = project === undefined ? {} : { project };
  const [pendingLine] = rest;
  if (rest.length > 1) return undefined;
  if (pendingLine === undefined) return { commit, tree, pending: false, ...named };
  const pending = PENDING_LINE.exec(pendingLine);
  if (!pending) return undefined;
  const startedAt = pending[1];
  if (startedAt === undefined) return { commit, tree, pending: true, ...named };
  if (Number.isNaN(Date.parse(startedAt))) return undefined;
  return { commit, tree, pending: true, startedAt, ...named };
}

/** Formats a {@link VersionInfo} as `version.txt` text (the inverse of {@link parseVersionFile}). */
export function formatVersionFile(v: VersionInfo): string {
  let text = `${v.commit}\ntree ${v.tree}\n`;
  for (const pin of v.images ?? []) text += `image ${pin.service} ${pin.digest} ${pin.image}\n`;
  if (v.pending) text += v.startedAt === undefined ? "pending\n" : `pending ${v.startedAt}\n`;
  if (v.project !== undefined) text += `project ${v.project}\n`;
  return text;
}

/** Reads `dir/version.txt`; `undefined` when it is missing or unreadable as a version. */
export async function readVersion(dir: string): Promise<VersionInfo | undefined> {
  const text = await readTextOrUndefined(join(dir, VERSION_FILE));
  return text === undefined ? undefined : parseVersionFile(text);
}

/** Writes `dir/version.txt` atomically, after the image pins' override file it names. */
export async function writeVersion(dir: string, v: VersionInfo): Promise<void> {
  await writePins(dir, v.images ?? []);
  await writeFileAtomic(join(dir, VERSION_FILE), formatVersionFile(v));
}

/**
 * Every folder under `running_stacks/`, by name, with its version; a folder
 * without a readable `version.txt` (a copy cut short) maps to `undefined`.
 */
export async function readDeployed(
  paths: StatePaths,
): Promise<Map<string, VersionInfo | undefined>> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(paths.runningRoot)) {
      if (entry.isDirectory) names.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  // Read side by side: a host with hundreds of stacks reads hundreds of small files each run.
  const versions = await Promise.all(names.sort().map((name) => readVersion(paths.running(name))));
  return new Map(names.map((name, i) => [name, versions[i]]));
}
