/**
 * The canary method (docs/canary.md): a new copy beside the live one,
 * switched over once healthy.
 * @module
 */
export * from "./canary.ts";
export * from "./back.ts";
export { whyNotCanaryAt } from "./_check.ts";
export { clearLeftovers, takeDownStack, tidyFolders } from "./_state.ts";
