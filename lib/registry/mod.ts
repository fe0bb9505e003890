/**
 * Image registries (docs/image-updates.md): reference names, credentials, the
 * digest behind a tag, and a stack's image pins.
 * @module
 */
export * from "./challenge.ts";
export * from "./client.ts";
export * from "./credentials.ts";
export * from "./reference.ts";
export * from "./resolve.ts";
export * from "./services.ts";
export * from "./detect.ts";
export * from "./follow.ts";
export * from "./min_age.ts";
