/**
 * A version's secrets in the deploy (docs/secrets.md): decrypted into memory
 * first, before the preflight and before anything of the running version is
 * touched, then written into each copy the version runs from. A key that is
 * missing or wrong fails the stack and tries again next run (a host problem);
 * a file that is malformed or fails its MAC is a broken version, marked bad.
 * @module
 */
import { join } from "node:path";
import { listFiles, removeIfExists } from "../fsutil.ts";
import {
  decryptStackFiles,
  keySource,
  loadIdentities,
  type PlainFile,
  plainName,
  SecretError,
  type SecretFault,
  writePlainFiles,
} from "../secrets/mod.ts";
import { copyStack } from "../repo/mod.ts";
import type { Outcome } from "../outcome.ts";
import type { DeployContext } from "./context.ts";
import { markVersionBad } from "./marks.ts";
import type { DeployItem } from "./plan.ts";

/** A version's decrypted files, or why they could not be had. */
export type Secrets =
  | { ok: true; files: PlainFile[] }
  | { ok: false; fault: SecretFault; message: string };

/** Decrypts the encrypted files of `item`'s version (none: an empty list, no key read). */
export async function decryptSecrets(
  ctx: DeployContext,
  item: Pick<DeployItem, "stack">,
): Promise<Secrets> {
  const dir = join(ctx.paths.repo, item.stack.path);
  const files = item.stack.files ??
    (await listFiles(dir)).filter((f) => !f.startsWith(".git/")).map((f) => ({ from: f, to: f }));
  const keys = () => loadIdentities(keySource(ctx.config.age_key_file, ctx.deps.env));
  try {
    return { ok: true, files: await decryptStackFiles(dir, files, keys) };
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    return { ok: false, fault: error.fault, message: error.message };
  }
}

/**
 * The outcome of a version whose secrets did not decrypt: `failed`, nothing
 * touched; marked bad only when the file is at fault (and `mark_bad` is on).
 */
export async function secretsFailed(
  ctx: DeployContext,
  item: DeployItem,
  failure: Extract<Secrets, { ok: false }>,
): Promise<Outcome> {
  const mark = failure.fault === "file" && (item.settings.mark_bad ?? ctx.config.mark_bad);
  const message = `cannot decrypt ${failure.message}`;
  if (mark) await markVersionBad(ctx, item.name, item.stack.tree, message);
  const after = failure.fault === "key"
    ? "; tried again next run"
    : mark
    ? "; version marked bad"
    : "";
  return {
    result: "failed",
    message: `${message}${after}; the running version was left untouched`,
    services: [],
    method: item.settings.method,
  };
}

/**
 * Runs `fn` with the folder the preflight checks a version in: the clone's
 * stack folder, or, for a folder stack with secrets, a private copy of it
 * with the plaintext (compose must read the real `.env` and env files), which
 * is removed afterwards.
 */
export async function withCheckedFolder<T>(
  ctx: DeployContext,
  item: Pick<DeployItem, "name" | "stack">,
  secrets: readonly PlainFile[],
  fn: (dir: string | undefined) => Promise<T>,
): Promise<T> {
  if (secrets.length === 0 || item.stack.files !== undefined) return await fn(undefined);
  const stage = join(ctx.paths.base, "secrets_stage", item.name);
  await removeIfExists(stage);
  await Deno.mkdir(join(stage, ".."), { recursive: true, mode: 0o700 });
  try {
    await copyStack(ctx.paths.repo, item.stack, stage);
    await writePlainFiles(stage, secrets);
    return await fn(stage);
  } finally {
    await removeIfExists(stage);
  }
}

/** The files a version leaves in its copy: its tree's files, `NAME.age` as `NAME`. */
export function copiedNames(files: readonly string[]): string[] {
  return files.map(plainName);
}

/** Every name a version's files may have in a copy: the encrypted ones and their plaintext. */
export function shippedNames(files: readonly string[]): string[] {
  return files.flatMap((f) => plainName(f) === f ? [f] : [f, plainName(f)]);
}
