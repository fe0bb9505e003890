/**
 * `mode: swarm` (docs/swarm.md): the deploy, health gate and rollback of a
 * stack on a Docker Swarm.
 * @module
 */
export * from "./deploy.ts";
export * from "./gate.ts";
export * from "./restore.ts";
export * from "./remove.ts";
