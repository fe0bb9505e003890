/**
 * Registry credentials as the docker CLI keeps them
 * (docs/image-updates.md#credentials): `config.json` in `$DOCKER_CONFIG`, else
 * `~/.docker`, with `auths` entries (`auth` = base64 `user:password`) and
 * `credHelpers` / `credsStore`, whose `docker-credential-NAME get` is run
 * through the injected runner. Never logged, never in a message.
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import type { Runner } from "../process.ts";
import { DOCKER_HUB } from "./reference.ts";

/** A user name and password (or token) for one registry. */
export interface Credentials {
  /** The user name. */
  username: string;
  /** The password or access token. */
  password: string;
}

/** Looks up credentials for a registry; `undefined` = anonymous. */
export type CredentialLookup = (registry: string) => Promise<Credentials | undefined>;

const AuthEntry = z.object({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});
const DockerConfig = z.object({
  auths: z.record(z.string(), AuthEntry).optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
  credsStore: z.string().optional(),
});
type DockerConfig = z.infer<typeof DockerConfig>;
const HelperAnswer = z.object({ Username: z.string(), Secret: z.string() });

/** The key Docker Hub's credentials are stored under. */
const HUB_KEY = "https://index.docker.io/v1/";

/** Time a credential helper may take. */
const HELPER_TIMEOUT_MS = 10_000;

/** The folder of `config.json`: `$DOCKER_CONFIG`, else `$HOME/.docker`; `undefined` without either. */
export function dockerConfigDir(env: Record<string, string | undefined>): string | undefined {
  if (env.DOCKER_CONFIG) return env.DOCKER_CONFIG;
  return env.HOME ? join(env.HOME, ".docker") : undefined;
}

/** The host part of an `auths` key (`https://ghcr.io/v1/` → `ghcr.io`); Docker Hub's keys → `docker.io`. */
export function authKeyHost(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//, "").replace(/\/.*$/, "");
  return host === "index.docker.io" || host === "registry-1.docker.io" ? DOCKER_HUB : host;
}

/** Parses `config.json` text; throws naming the file when it is not valid. */
export function parseDockerConfig(text: string, file: string): DockerConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
  const parsed = DockerConfig.safeParse(data);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join(".") ?? "";
    throw new Error(`${file} is not a valid docker config${where ? ` at ${where}` : ""}`);
  }
  return parsed.data;
}

/**
 * The credentials of `config` for `registry`: its credential helper
 * (`credHelpers`, else `credsStore`), else its `auths` entry.
 */
export async function credentialsFor(
  config: DockerConfig,
  registry: string,
  runner: Runner,
): Promise<Credentials | undefined> {
  const helper = config.credHelpers?.[registry] ?? config.credsStore;
  if (helper !== undefined) {
    const fromHelper = await askHelper(runner, helper, registry);
    if (fromHelper !== undefined) return fromHelper;
  }
  const entry = Object.entries(config.auths ?? {}).find(([key]) => authKeyHost(key) === registry)
    ?.[1];
  if (entry === undefined) return undefined;
  if (entry.auth !== undefined && entry.auth !== "") {
    let decoded: string;
    try {
      decoded = atob(entry.auth);
    } catch {
      return undefined;
    }
    const colon = decoded.indexOf(":");
    if (colon === -1) return undefined;
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username !== undefined && entry.password !== undefined) {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

/** `docker-credential-NAME get` with the server on stdin; `undefined` when it has none. */
async function askHelper(
  runner: Runner,
  helper: string,
  registry: string,
): Promise<Credentials | undefined> {
  const server = registry === DOCKER_HUB ? HUB_KEY : registry;
  let result;
  try {
    result = await runner.run([`docker-credential-${helper}`, "get"], {
      stdin: server,
      timeoutMs: HELPER_TIMEOUT_MS,
    });
  } catch {
    return undefined; // no such helper on this host: anonymous, as docker would try
  }
  if (result.code !== 0) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(result.stdout);
  } catch {
    return undefined;
  }
  const parsed = HelperAnswer.safeParse(data);
  // "<token>" marks an identity token, which needs an OAuth exchange we do not make.
  if (!parsed.success || parsed.data.Username === "<token>") return undefined;
  return { username: parsed.data.Username, password: parsed.data.Secret };
}

/**
 * A lookup over the docker config of `env`, read once (at the first lookup).
 * A missing file means anonymous; an unreadable one too, with `warn` told once.
 */
export function dockerCredentials(
  env: Record<string, string | undefined>,
  runner: Runner,
  warn: (line: string) => void,
): CredentialLookup {
  let config: Promise<DockerConfig> | undefined;
  const load = async (): Promise<DockerConfig> => {
    const dir = dockerConfigDir(env);
    if (dir === undefined) return {};
    const file = join(dir, "config.json");
    try {
      return parseDockerConfig(await Deno.readTextFile(file), file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return {};
      warn(
        `${error instanceof Error ? error.message : String(error)}: registries asked anonymously`,
      );
      return {};
    }
  };
  return async (registry) => credentialsFor(await (config ??= load()), registry, runner);
}
