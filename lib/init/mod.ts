/**
 * `autostack init` (docs/install.md#init): the config it writes, the systemd
 * units, and the command itself.
 * @module
 */
export * from "./init.ts";
export * from "./config_text.ts";
export * from "./units.ts";
