/**
 * The commands that read and change state: run, status, history, bad and
 * rollback, and how their results are shown.
 * @module
 */
export * from "./run.ts";
export * from "./status.ts";
export * from "./history.ts";
export * from "./bad.ts";
export * from "./rollback.ts";
export * from "./plan_report.ts";
export * from "./outcome_report.ts";
export * from "./json.ts";
export * from "./_time.ts";
