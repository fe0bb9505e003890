/**
 * The compose projects a stack runs as: its own name, or, after a canary
 * switch, its second name `NAME-canary` (docs/canary.md). The two take turns,
 * and `version.txt` names the live one when it is not the stack name. Pure:
 * the planner and every deploy method read it.
 * @module
 */
import type { VersionInfo } from "../state/mod.ts";

/** What a stack's second compose project name adds to the stack name. */
export const CANARY_SUFFIX = "-canary";

/** The project a stack is live under: the one `version.txt` names, else the stack name. */
export function liveProject(name: string, version: VersionInfo | undefined): string {
  return version?.project ?? name;
}

/** The other project of the pair `NAME` / `NAME-canary`: where the next copy starts. */
export function peerProject(name: string, live: string): string {
  return live === name ? `${name}${CANARY_SUFFIX}` : name;
}

/** Both project names a stack may run under, the stack name first. */
export function projectPair(name: string): [string, string] {
  return [name, `${name}${CANARY_SUFFIX}`];
}
