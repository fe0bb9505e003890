/**
 * Everything autostack keeps under base_dir (docs/how-it-works.md#state):
 * paths, version files, the running and good copies, bad marks, history,
 * image first-seen times and the run lock; and the swarm lock, held in the swarm rather than under
 * base_dir, for runs on several managers.
 * @module
 */
export * from "./paths.ts";
export * from "./version.ts";
export * from "./copies.ts";
export * from "./bad.ts";
export * from "./history.ts";
export * from "./lock.ts";
export * from "./pins.ts";
export * from "./seen.ts";
export * from "./swarm_lock.ts";
