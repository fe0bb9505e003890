/**
 * Notifications (docs/notifications.md): which outcomes are news, their
 * payload per service, and sending them without hurting a run.
 * @module
 */
export * from "./notifier.ts";
export * from "./formats.ts";
