/**
 * The compose targets a deploy acts on: a project by its label (no files
 * needed, for `ps`, `stop`, `start`, `down`) or a copy of a version's files
 * (`running_stacks/NAME`, `good_stacks/NAME`, a canary slot) with its compose
 * files in order.
 * @module
 */
import { join } from "node:path";
import type { DeploySettings } from "../config/mod.ts";
import type { ComposeTarget } from "../docker/mod.ts";
import { COMPOSE_FILES } from "../repo/mod.ts";
import { PINS_FILE } from "../state/mod.ts";
import type { DeployContext } from "./context.ts";

/** A compose target that needs no files: `ps`, `stop`, `start`, `down` work by project label. */
export function labelTarget(ctx: DeployContext, project: string): ComposeTarget {
  return { command: ctx.config.compose, project };
}

/**
 * The compose target of the files in `dir`: a running or good copy, or the
 * stack in the clone (then `composeFile` names its compose file).
 */
export async function filesTarget(
  ctx: DeployContext,
  project: string,
  dir: string,
  settings: Pick<DeploySettings, "compose_files">,
  composeFile?: string,
): Promise<ComposeTarget> {
  // A copy holds one standard compose file; a stack in the clone may be `NAME-compose.yaml`.
  const main = composeFile ?? await findComposeFile(dir);
  const files = [join(dir, main), ...settings.compose_files.map((f) => join(dir, f))];
  // A copy deployed with pinned images runs them by digest (docs/image-updates.md#pins).
  if (composeFile === undefined && await exists(join(dir, PINS_FILE))) {
    files.push(join(dir, PINS_FILE));
  }
  return { command: ctx.config.compose, project, dir, files };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The first compose file present in `dir`, in discovery's order. */
export async function findComposeFile(dir: string): Promise<string> {
  for (const name of COMPOSE_FILES) {
    try {
      await Deno.stat(join(dir, name));
      return name;
    } catch {
      // try the next name
    }
  }
  return COMPOSE_FILES[0];
}
