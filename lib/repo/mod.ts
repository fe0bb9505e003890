/**
 * The stacks repo: the clone autostack owns (git), the stacks found in a
 * commit or a checkout (discovery, docs/how-it-works.md#discovery), and the
 * copy of a stack's files out of it.
 * @module
 */
export * from "./git.ts";
export * from "./discover.ts";
export * from "./checkout.ts";
export * from "./copy.ts";
