/**
 * autostack watch (docs/watch-and-webhooks.md): the scheduler, its HTTP
 * server, push webhooks, metrics and the status page (docs/status-page.md).
 * @module
 */
export * from "./watch.ts";
export * from "./server.ts";
export * from "./webhook.ts";
export * from "./metrics.ts";
export * from "./status_page.ts";
export * from "./status_data.ts";
export * from "./status_auth.ts";
