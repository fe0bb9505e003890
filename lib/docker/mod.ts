/**
 * Docker as autostack sees it: the compose CLI, the containers of every
 * project, healthcheck schedules, the health verdict and its wait, and
 * shared-network aliases.
 * @module
 */
export * from "./compose.ts";
export * from "./containers.ts";
export * from "./probe_schedule.ts";
export * from "./health.ts";
export * from "./networks.ts";
export * from "./resources.ts";
export * from "./pull.ts";
export * from "./engine.ts";
export * from "./swarm.ts";
export * from "./swarm_health.ts";
