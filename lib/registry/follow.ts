/**
 * Which stacks follow their images this run, and the check of them
 * (docs/image-updates.md#detection): the stacks of the plan with
 * `image_updates: true` that deploy here, whatever their mode and method;
 * their compose files are read from the clone.
 * @module
 */
import { join } from "node:path";
import type { Config, SettingsResult } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import type { Stack } from "../repo/mod.ts";
import type { ImagePin, VersionInfo } from "../state/mod.ts";
import { dockerCredentials } from "./credentials.ts";
import { checkImages, type FollowedStack } from "./detect.ts";

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
 * The pins of each stack that follows its images (`undefined` when none
 * does); a registry that could not say is one warning line.
 */
export async function followImages(
  input: FollowInput,
): Promise<Map<string, ImagePin[]> | undefined> {
  const { config, deps } = input;
  const followed: FollowedStack[] = [];
  for (const stack of input.stacks) {
    const settings = input.settings.get(stack.name)?.settings;
    if (!settings?.image_updates || !settings.deploy) continue;
    if (input.only.length > 0 && !input.only.includes(stack.name)) continue;
    if (settings.hosts && !settings.hosts.includes(config.hostname)) continue;
    const dir = join(input.repoDir, stack.path);
    const files = [stack.composeFile, ...settings.compose_files];
    const texts = files.map((file) => readOrEmpty(join(dir, file)));
    const deployed = input.deployed.get(stack.name);
    followed.push({
      name: stack.name,
      composeTexts: texts,
      ...(deployed === undefined ? {} : { deployed }),
    });
  }
  if (followed.length === 0) return undefined;
  const warn = (line: string) => deps.logger.warn(line);
  const check = await checkImages({
    fetch: deps.fetch,
    credentials: dockerCredentials(deps.env, deps.runner, warn),
    insecure: config.insecure_registries,
    timeoutMs: REGISTRY_TIMEOUT_MS,
  }, followed);
  for (const line of check.unavailable) warn(line);
  return check.images;
}
