/**
 * `mode: swarm` (docs/swarm.md): the deploy, health gate and rollback of a
 * stack on a Docker Swarm, its configs and secrets named after their content
 * (the unused ones removed), and taking it down.
 * @module
 */
export * from "./deploy.ts";
export * from "./gate.ts";
export * from "./restore.ts";
export * from "./remove.ts";
export * from "./restart.ts";
export * from "./objects.ts";
export * from "./unused_objects.ts";
export * from "./lock.ts";
export * from "./model.ts";
