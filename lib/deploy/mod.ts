/**
 * Deploying: the plan of a run (pure), the run context, carrying the plan out
 * with each method, the health gate, restores and rollbacks, hooks and their
 * scripts.
 * @module
 */
export * from "./plan.ts";
export * from "./projects.ts";
export * from "./context.ts";
export * from "./marks.ts";
export * from "./targets.ts";
export * from "./clear.ts";
export * from "./prepare.ts";
export * from "./execute.ts";
export * from "./simple.ts";
export * from "./gate.ts";
export * from "./restore.ts";
export * from "./rollback.ts";
export * from "./hooks.ts";
export * from "./scripts.ts";
export * from "./progress.ts";
export * from "./preflight.ts";
export { takeSwarmLock } from "./swarm/mod.ts";
