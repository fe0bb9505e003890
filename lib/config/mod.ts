/**
 * The configuration faces: the host config (docs/configuration.md), a stack's
 * deploy settings and where they come from (docs/stack-settings.md). Pure:
 * nothing here starts a process.
 * @module
 */
export * from "./config.ts";
export * from "./settings.ts";
export * from "./deploy_block.ts";
