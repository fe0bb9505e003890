/**
 * `mode: swarm` (docs/swarm.md): deploying a stack with `docker stack deploy`,
 * its configs and secrets named after their content, the unused ones removed.
 * @module
 */
export * from "./objects.ts";
export * from "./unused_objects.ts";
