/**
 * Secrets in the stacks repo (docs/secrets.md): SOPS and age files, decrypted
 * with the host's age key into the running copy at deploy.
 * @module
 */
export * from "./errors.ts";
export * from "./keys.ts";
export * from "./age_file.ts";
export * from "./sops_file.ts";
export * from "./stack_files.ts";
export * from "./plain_files.ts";
