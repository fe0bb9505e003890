/**
 * Private to the canary folder: where the canary's copies live and how leftovers go.
 * Each copy runs from its own folder, `base_dir/canary_stacks/NAME/PROJECT/`,
 * kept for as long as that project runs: compose resolves relative bind
 * mounts against it, and Docker resolves them again on every restart, so the
 * folder of a live copy is never moved. `running_stacks/NAME` keeps the live
 * version's files and `version.txt` (with `project NAME` when the stack is
 * live under another name), as for every method.
 * @module
 */
import { join } from "node:path";
import { engineOf, Networks } from "../../docker/mod.ts";
import type { DeployContext } from "../context.ts";
import { labelTarget } from "../targets.ts";
import { liveProject, peerProject, projectPair } from "../projects.ts";
import type { VersionInfo } from "../../state/mod.ts";

/** `base_dir/canary_stacks/NAME`: the folders of the copies of stack `name`. */
export function canaryRoot(ctx: DeployContext, name: string): string {
  // paths.running() refuses names that would leave their parent: reuse its check.
  ctx.paths.running(name);
  return join(ctx.paths.base, "canary_stacks", name);
}

/** The folder a copy of `name` runs from as compose project `project`. */
export function slotDir(ctx: DeployContext, name: string, project: string): string {
  return join(canaryRoot(ctx, name), project);
}

/** The docker network calls, through the run's runner. */
export function networksOf(ctx: DeployContext): Networks {
  return new Networks(ctx.deps.runner, engineOf(ctx.config.compose));
}

/** Whether a canary ever ran for `name` here (its folder is there). */
export async function hasCanaryFolder(ctx: DeployContext, name: string): Promise<boolean> {
  try {
    await Deno.stat(canaryRoot(ctx, name));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Whether `project` is another stack's own name here (`running_stacks/PROJECT`
 * exists): then it is never ours to take down.
 */
export async function isOtherStack(ctx: DeployContext, name: string, project: string) {
  if (project === name) return false;
  try {
    await Deno.stat(ctx.paths.running(project));
    return true;
  } catch {
    return false;
  }
}

/** How {@link removeCopy} takes a copy away. */
export interface RemoveOptions {
  /** Stop the containers and keep them for inspection instead of `down`. */
  keep?: boolean;
  /**
   * For a copy that answers to the shared aliases: how long it stays on the
   * networks, at its address but off the aliases, before it goes (`drain`).
   * Without it, it leaves the networks at once.
   */
  drainMs?: number;
  /** Told when the copy is off the aliases and the drain begins. */
  onDrain?: () => void;
}

/**
 * Takes a copy down. One that answers to the shared aliases is first taken off
 * them and left `drainMs` to drain ({@link Networks.hide}: it keeps its
 * address, so proxies that resolved it still reach it until they look again).
 * Then it leaves the shared networks (a stopping container still answers to
 * its aliases until it is gone), and `down` (volumes kept) or, with `keep`,
 * `stop`. Returns whether it had containers.
 */
export async function removeCopy(
  ctx: DeployContext,
  project: string,
  options: RemoveOptions = {},
): Promise<boolean> {
  const containers = await ctx.compose.containers(project);
  if (containers.length === 0) return false;
  const nets = networksOf(ctx);
  const shared = await nets.shared(project, containers.map((c) => c.id)).catch(() => []);
  const answering = shared.filter((e) => e.aliases.length > 0);
  const drainMs = options.drainMs ?? 0;
  if (answering.length > 0 && drainMs > 0) {
    await nets.hide(answering);
    options.onDrain?.();
    await ctx.deps.sleep(drainMs);
  }
  await nets.leave(shared);
  const target = labelTarget(ctx, project);
  if (options.keep) await ctx.compose.stop(target);
  else await ctx.compose.down(target);
  return true;
}

/**
 * Takes down the copy a killed canary left beside the live one (the peer of
 * the live project), and removes its folder. Returns the project taken down,
 * if any, for the outcome message.
 */
export async function clearLeftovers(
  ctx: DeployContext,
  name: string,
  deployed: VersionInfo | undefined,
): Promise<string | undefined> {
  const peer = peerProject(name, liveProject(name, deployed));
  if (await isOtherStack(ctx, name, peer)) return undefined;
  const removed = await removeCopy(ctx, peer);
  await Deno.remove(slotDir(ctx, name, peer), { recursive: true }).catch(() => {});
  return removed ? peer : undefined;
}

/** Removes the folders of copies that no longer have containers (and the root once empty). */
export async function tidyFolders(ctx: DeployContext, name: string): Promise<void> {
  for (const project of projectPair(name)) {
    if ((await ctx.compose.containers(project)).length > 0) continue;
    await Deno.remove(slotDir(ctx, name, project), { recursive: true }).catch(() => {});
  }
  // Fails, and so keeps it, while a folder is left inside.
  await Deno.remove(canaryRoot(ctx, name)).catch(() => {});
}

/** Takes down every copy of a stack (prune): the live project and a leftover peer. */
export async function takeDownStack(
  ctx: DeployContext,
  name: string,
  deployed: VersionInfo | undefined,
): Promise<void> {
  const live = liveProject(name, deployed);
  await ctx.compose.down(labelTarget(ctx, live));
  const peer = peerProject(name, live);
  if (!(await isOtherStack(ctx, name, peer)) && (await hasCanaryFolder(ctx, name))) {
    await removeCopy(ctx, peer);
  }
  await Deno.remove(canaryRoot(ctx, name), { recursive: true }).catch(() => {});
}
