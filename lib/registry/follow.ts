/**
 * Which stacks follow their images this run, and the check of them
 * (docs/image-updates.md#detection): the stacks of the plan with
 * `image_updates: true` that deploy here, whatever their mode and method;
 * their compose files are read from the clone. The digests found are recorded
 * with when they were first seen, and a stack with `image_min_age` keeps a
 * digest until the new one is that old (docs/image-updates.md#image_min_age).
 * @module
 */
import { join } from "node:path";
import type { Config, SettingsResult } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import type { Stack } from "../repo/mod.ts";
import {
  type ImagePin,
  readSeen,
  recordSeen,
  statePaths,
  type VersionInfo,
  writeSeen,
} from "../state/mod.ts";
import { dockerCredentials } from "./credentials.ts";
import { checkImages, type FollowedStack } from "./detect.ts";
import { holdYoung } from "./min_age.ts";

/** Time one registry request may take. */
export const REGISTRY_TIMEOUT_MS = 10_000;

/** What {@link followImages} looks at. */
export interface FollowInput {
  /** The checked config. */
  config: Config;
  /** The outside world (fetch, the runner for credential helpers, env, logger). */
  deps: Deps;
  /** The clone. */
  repoDir: string;
  /** The stacks of the repo. */
  stacks: readonly Stack[];
  /** Their settings. */
  settings: ReadonlyMap<string, SettingsResult>;
  /** What is deployed here. */
  deployed: ReadonlyMap<string, VersionInfo | undefined>;
  /** `--stack` names; empty means all. */
  only: readonly string[];
  /** Record the digests' first-seen times (not for `--dry-run`, which changes nothing). */
  record: boolean;
}

/** What {@link followImages} found. */
export interface Followed {
  /** The pins of each stack that follows its images: part of its version. */
  images: Map<string, ImagePin[]>;
  /** Per stack, each new digest that waits for `image_min_age`, in words. */
  waits: Map<string, string[]>;
}

/**
 * A compose file's text; `""` when it cannot be read (the preflight names it).
 * Read at once, as the settings are: for a small file the hop of an async read
 * costs more than the read, and a run reads one per stack.
 */
function readOrEmpty(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/**
 * The pins of each stack that follows its images, and the digests that wait
 * (`undefined` when no stack follows its images); a registry that could not
 * say is one warning line.
 */
export async function followImages(input: FollowInput): Promise<Followed | undefined> {
  const { config, deps } = input;
  const followed: FollowedStack[] = [];
  const minAge = new Map<string, number>();
  for (const stack of input.stacks) {
    const settings = input.settings.get(stack.name)?.settings;
    if (!settings?.image_updates || !settings.deploy) continue;
    if (input.only.length > 0 && !input.only.includes(stack.name)) continue;
    if (settings.hosts && !settings.hosts.includes(config.hostname)) continue;
    const dir = join(input.repoDir, stack.path);
    const files = [stack.composeFile, ...settings.compose_files];
    const texts = files.map((file) => readOrEmpty(join(dir, file)));
    const deployed = input.deployed.get(stack.name);
    if (settings.image_min_age) minAge.set(stack.name, settings.image_min_age);
    followed.push({
      name: stack.name,
      composeTexts: texts,
      ...(deployed === undefined ? {} : { deployed }),
    });
  }
  if (followed.length === 0) return undefined;
  const warn = (line: string) => deps.logger.warn(line);
  const seenPath = statePaths(config.base_dir).imagesSeen;
  const [check, before] = await Promise.all([
    checkImages({
      fetch: deps.fetch,
      credentials: dockerCredentials(deps.env, deps.runner, warn),
      insecure: config.insecure_registries,
      timeoutMs: REGISTRY_TIMEOUT_MS,
    }, followed),
    readSeen(seenPath),
  ]);
  for (const line of check.unavailable) warn(line);
  if (before.problem !== undefined) warn(`${before.problem}: image_min_age counts from now`);
  const now = deps.now();
  // A run over every stack knows every followed tag: the others are dropped.
  const all = input.only.length === 0 ? new Set(check.asked) : undefined;
  const seen = recordSeen(before.seen, check.found, now, all);
  if (input.record && JSON.stringify(seen) !== JSON.stringify(before.seen)) {
    await writeSeen(seenPath, seen);
  }
  const waits = new Map<string, string[]>();
  for (const [name, ms] of minAge) {
    const held = holdYoung(
      input.deployed.get(name)?.images,
      check.images.get(name) ?? [],
      seen,
      now,
      ms,
    );
    check.images.set(name, held.pins);
    if (held.waits.length > 0) waits.set(name, held.waits);
    for (const wait of held.waits) deps.logger.info(`stack "${name}": ${wait}`);
  }
  return { images: check.images, waits };
}
