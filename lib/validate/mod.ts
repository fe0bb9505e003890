/**
 * autostack validate (docs/validate.md): the stacks linter and its report.
 * @module
 */
export * from "./validate.ts";
export * from "./report.ts";
