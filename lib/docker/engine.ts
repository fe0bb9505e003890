/**
 * The Docker Engine API over the engine's unix socket, for the swarm's reads
 * (docs/swarm.md#how-autostack-talks-to-the-swarm) and the run's list of
 * containers (docs/how-it-works.md#deploy-steps). A look at a converging
 * stack is a few milliseconds this way, where a `docker service ps` starts a
 * CLI process (~0.1 s, and CPU the converging tasks want). The endpoint is the
 * one the docker CLI would use: `DOCKER_HOST`, else the current context, else
 * the default socket; only a unix socket is spoken to (a `tcp://` or `ssh://`
 * engine, or a non-default context, is refused with a clear error).
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { ComposeError, DockerDownError } from "../errors.ts";
import { formatDuration } from "../duration.ts";

/** How long a quick engine call (an API request, `ps`, `inspect`, `network`) may take. */
export const ENGINE_TIMEOUT_MS = 60_000;

/**
 * The API version asked for first: Docker 25's, the oldest Docker 29 still
 * answers. An older engine says it is too new and which version it speaks
 * (its `API-Version` header); that one is asked from then on, as the docker
 * CLI negotiates (the container list must work down to Docker 20.10).
 */
export const ENGINE_API_VERSION = "1.44";

/** The engine's socket when neither `DOCKER_HOST` nor a context names another. */
export const DEFAULT_SOCKET = "/var/run/docker.sock";

/** An engine request: method, path below the version, query (values sent as JSON when not strings). */
export interface EngineRequest {
  /** HTTP method. */
  method: "GET" | "POST" | "DELETE";
  /** Path below the API version, `/services`. */
  path: string;
  /** Query parameters; `filters` objects are sent as JSON, as the API wants. */
  query?: Record<string, string | Record<string, string[]>>;
  /** A JSON body (POST). */
  body?: unknown;
}

/** An engine answer: the HTTP status and the JSON body (`undefined` when empty). */
export interface EngineReply {
  /** HTTP status. */
  status: number;
  /** The parsed JSON body. */
  body: unknown;
}

/** Talks to the Docker engine; tests pass a fake. */
export interface Engine {
  /** Sends `request`; throws {@link DockerDownError} when the engine does not answer. */
  request(request: EngineRequest): Promise<EngineReply>;
}

/**
 * The engine is not on a unix socket autostack can speak to (`DOCKER_HOST` is
 * `tcp://` or `ssh://`, or a non-default context is current): the CLI, which
 * knows how to reach it, is the way there.
 */
export class NoEngineSocketError extends ComposeError {}

/** Where the engine is: a unix socket, or why autostack cannot speak to it. */
export type EngineEndpoint =
  | { kind: "socket"; path: string }
  | { kind: "unsupported"; why: string };

/**
 * The engine endpoint the docker CLI would use (its own order: `DOCKER_HOST`,
 * then `DOCKER_CONTEXT`, then the config's `currentContext`). Pure.
 */
export function engineEndpoint(
  dockerHost: string | undefined,
  context: string | undefined,
): EngineEndpoint {
  if (dockerHost) {
    if (dockerHost.startsWith("unix://")) return { kind: "socket", path: dockerHost.slice(7) };
    return { kind: "unsupported", why: `DOCKER_HOST=${dockerHost} is not a unix socket` };
  }
  if (context && context !== "default") {
    return { kind: "unsupported", why: `the docker context "${context}" is not the default one` };
  }
  return { kind: "socket", path: DEFAULT_SOCKET };
}

const DockerConfig = z.object({ currentContext: z.string().optional() });

/** The `currentContext` of the docker CLI's config file text; none when unreadable. Pure. */
export function currentContext(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = DockerConfig.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.currentContext : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The URL of `request` in API `version`. Pure. The request goes to the socket
 * whatever the host says, but Deno still resolves a host name first: `docker`
 * (the CLI's) cost a DNS query per request, ~5 ms, and 5 s whenever the
 * resolver dropped one (one request in ~25 when they follow closely). An IP
 * literal is never looked up.
 */
export function engineUrl(request: EngineRequest, version = ENGINE_API_VERSION): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(request.query ?? {})) {
    params.set(key, typeof value === "string" ? value : JSON.stringify(value));
  }
  const query = params.size > 0 ? `?${params}` : "";
  return `http://127.0.0.1/v${version}${request.path}${query}`;
}

/**
 * The version to ask again in when an engine refused `asked` as too new: the
 * one its `API-Version` header names, when that is older; else `undefined`.
 * Pure.
 */
export function olderApiVersion(
  status: number,
  header: string | null,
  asked: string,
): string | undefined {
  const speaks = /^(\d+)\.(\d+)$/.exec(header ?? "");
  const wanted = /^(\d+)\.(\d+)$/.exec(asked);
  if (status !== 400 || !speaks || !wanted) return undefined;
  const older = Number(speaks[1]) < Number(wanted[1]) ||
    (speaks[1] === wanted[1] && Number(speaks[2]) < Number(wanted[2]));
  return older ? header! : undefined;
}

const ErrorBody = z.object({ message: z.string() });

/** The engine's own words for a failed request (its `message`), else the status. Pure. */
export function engineMessage(reply: EngineReply): string {
  const parsed = ErrorBody.safeParse(reply.body);
  return parsed.success ? parsed.data.message : `HTTP ${reply.status}`;
}

/** Narrows an engine answer with `schema`, or throws naming `what` and the first bad field. */
export function engineAnswer<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
  throw new ComposeError(
    `cannot read the engine's ${what}${where}: ${issue?.message ?? "invalid"}`,
  );
}

/** A refusal of the engine, in the words of the CLI command `verb` it stands for. */
export function engineRefused(verb: string, reply: EngineReply): ComposeError {
  return new ComposeError(`docker ${verb} failed: ${engineMessage(reply)}`);
}

/** The body of `GET path`; any answer but 200 is {@link engineRefused} as `verb`. */
export async function engineGet(
  engine: Engine,
  path: string,
  query: EngineRequest["query"],
  verb: string,
): Promise<unknown> {
  const reply = await engine.request({ method: "GET", path, query });
  if (reply.status === 200) return reply.body;
  throw engineRefused(verb, reply);
}

/**
 * The engine of this process's environment (`env` as `main.ts` read it).
 * The endpoint is found at the first request, so a run with no swarm stack
 * never reads the docker config.
 */
export function socketEngine(env: Record<string, string | undefined>): Engine {
  let endpoint: Promise<EngineEndpoint> | undefined;
  const find = async () => {
    const dir = env.DOCKER_CONFIG || join(env.HOME ?? "/root", ".docker");
    const text = env.DOCKER_HOST || env.DOCKER_CONTEXT
      ? undefined
      : await Deno.readTextFile(join(dir, "config.json")).catch(() => undefined);
    return engineEndpoint(env.DOCKER_HOST, env.DOCKER_CONTEXT || currentContext(text));
  };
  let version = ENGINE_API_VERSION;
  return {
    async request(request) {
      const where = await (endpoint ??= find());
      if (where.kind === "unsupported") {
        throw new NoEngineSocketError(
          `swarm stacks need the engine's unix socket: ${where.why} (run autostack on a manager)`,
        );
      }
      const reply = await overSocket(where.path, request, version);
      if (!("olderVersion" in reply)) return reply;
      version = reply.olderVersion;
      const { status, body } = await overSocket(where.path, request, version);
      return { status, body };
    },
  };
}

/**
 * One request in API `version` over the socket at `path`, on a connection of
 * its own; or the older version to ask in, when the engine refused this one.
 */
async function overSocket(
  path: string,
  request: EngineRequest,
  version: string,
): Promise<EngineReply | EngineReply & { olderVersion: string }> {
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path } });
  try {
    const response = await fetch(engineUrl(request, version), {
      client,
      method: request.method,
      headers: request.body === undefined ? {} : { "content-type": "application/json" },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(ENGINE_TIMEOUT_MS),
    });
    const text = await response.text();
    const older = olderApiVersion(response.status, response.headers.get("api-version"), version);
    // A refusal of the version is asked again (its words, JSON or not, are not needed).
    if (older !== undefined) {
      return { status: response.status, body: undefined, olderVersion: older };
    }
    let body: unknown;
    try {
      body = text.trim() === "" ? undefined : JSON.parse(text);
    } catch {
      throw new ComposeError(
        `cannot read the engine's answer to ${request.method} ${request.path}: not JSON`,
      );
    }
    return { status: response.status, body };
  } catch (error) {
    if (error instanceof ComposeError) throw error;
    if (error instanceof DOMException && error.name === "TimeoutError") {
      throw new ComposeError(
        `the engine did not answer ${request.method} ${request.path} within ${
          formatDuration(ENGINE_TIMEOUT_MS)
        }`,
      );
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    throw new DockerDownError(`cannot reach the engine at ${path}: ${String(cause)}`);
  } finally {
    client.close();
  }
}
