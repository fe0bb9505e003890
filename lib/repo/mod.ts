/**
 * The stacks repo: the clone autostack owns (git) and the stacks found in a
 * commit (discovery, docs/how-it-works.md#discovery).
 * @module
 */
export * from "./git.ts";
export * from "./discover.ts";
