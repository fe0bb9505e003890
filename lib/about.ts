/**
 * What `autostack --version` says: the version (from `deno.json`, its one
 * home) and where the program comes from: the commit a built file was made
 * from, else the commit of the source checkout, else `source`.
 * @module
 */
import { fileURLToPath } from "node:url";
import meta from "../deno.json" with { type: "json" };
import { BUILT_FROM } from "./build_info.ts";
import type { Runner } from "./process.ts";

/** The program's version, printed by `autostack --version`. */
export const VERSION: string = meta.version;

/** Where the running program comes from. */
export type Origin = { built: string } | { checkout: string } | "source";

/** The `--version` line for an origin. Pure. */
export function versionLine(version: string, origin: Origin): string {
  if (origin === "source") return `autostack ${version} (source)`;
  if ("built" in origin) return `autostack ${version} (built from commit ${origin.built})`;
  return `autostack ${version} (source, commit ${origin.checkout})`;
}

/**
 * The origin of this program: the build's commit, or (from the sources) the
 * commit of the checkout holding them, or `source` when git cannot tell.
 */
export async function programOrigin(runner: Runner): Promise<Origin> {
  if (BUILT_FROM !== undefined) return { built: BUILT_FROM };
  const root = new URL("..", import.meta.url);
  if (root.protocol !== "file:") return "source";
  const git = ["git", "-C", fileURLToPath(root), "rev-parse", "--short=12", "HEAD"];
  const r = await runner.run(git, { timeoutMs: 5_000 }).catch(() => undefined);
  const commit = r?.code === 0 ? r.stdout.trim() : "";
  return /^[0-9a-f]{4,40}$/.test(commit) ? { checkout: commit } : "source";
}
