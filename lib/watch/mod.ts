/**
 * autostack watch (docs/watch-and-webhooks.md): the scheduler, its HTTP
 * server, push webhooks and metrics.
 * @module
 */
export * from "./watch.ts";
export * from "./server.ts";
export * from "./webhook.ts";
export * from "./metrics.ts";
