/**
 * `mode: swarm` (docs/swarm.md): deploying a stack with `docker stack deploy`,
 * its configs and secrets named after their content.
 * @module
 */
export * from "./objects.ts";
