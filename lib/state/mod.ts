/**
 * Everything autostack keeps under base_dir (docs/how-it-works.md#state):
 * paths, version files, the running and good copies, bad marks, history and
 * the run lock.
 * @module
 */
export * from "./paths.ts";
export * from "./version.ts";
export * from "./copies.ts";
export * from "./bad.ts";
export * from "./history.ts";
export * from "./lock.ts";
export * from "./pins.ts";
