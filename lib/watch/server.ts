/**
 * The HTTP server of `watch` on `listen`: `GET /` (the status page, see
 * status_page.ts; behind `status_token` when set), `POST /hooks/git` (push
 * webhooks, see webhook.ts), `GET /healthz` (the loop's state as JSON) and
 * `GET /metrics` (Prometheus text). Routing is the pure-ish {@link route},
 * tested with plain `Request`s; {@link startServer} puts it on `Deno.serve`.
 * @module
 */
import { parseListen } from "../listen.ts";
import { AutostackError, errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics, RunResult } from "./metrics.ts";
import { BodyBudget, handlePush, NO_SECRET } from "./webhook.ts";
import { statusAllowed } from "./status_auth.ts";

/** How the last run of the loop went, for `GET /healthz`. */
export interface LastRun {
  /** When it ended (ISO time). */
  time: string;
  /** `ok`, `failed` (a stack failed), `error` (the run itself failed), `locked`. */
  result: RunResult;
  /** The exit code `run` would have had, when it got that far. */
  code: number | null;
  /** How long it took. */
  duration_ms: number;
  /** What started it: `start`, `interval`, `push to refs/heads/main`. */
  reason: string;
  /** The error, for `error` and `locked`. */
  error?: string;
}

/** The state `GET /healthz` reports. */
export interface WatchStatus {
  /** `false` once the loop has ended (stopping). */
  alive: boolean;
  /** A run is in progress. */
  running: boolean;
  /** Runs finished since the start. */
  runs: number;
  /** When the watch started. */
  started: string;
  /** The last run, once there was one. */
  last_run: LastRun | null;
}

/** What the server serves and whom it tells about pushes. */
export interface ServerOptions {
  /** The address, `HOST:PORT`, `:PORT` or `[IPv6]:PORT`. */
  listen: string;
  /** `webhook_secret`; `undefined` turns `/hooks/git` off (404). */
  secret?: string;
  /** The deployed branch, when the config names one. */
  branch?: string;
  /** The metrics to render. */
  metrics: Metrics;
  /** The status page's HTML, rendered now. */
  statusPage(): Promise<string>;
  /** `status_token`: `GET /` needs it (`?token=` or a bearer header); `undefined`: open. */
  statusToken?: string;
  /** The loop's state now. */
  status(): WatchStatus;
  /** Asks the loop for a run. */
  trigger(reason: string): void;
  /** Where rejected and accepted pushes are logged. */
  logger: Logger;
  /**
   * The bytes of webhook bodies held at once, shared by all requests;
   * {@link startServer} makes one (4 MiB) when not given. Without one,
   * {@link route} caps each body only.
   */
  bodyBudget?: BodyBudget;
}

/** A running server. */
export interface WatchServer {
  /** The address it listens on (the real port when `listen` said 0). */
  addr: Deno.NetAddr;
  /** Stops taking requests and waits for the ones in flight. */
  shutdown(): Promise<void>;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

/** Answers one request. `from` names the sender in log lines. */
export async function route(
  request: Request,
  options: Omit<ServerOptions, "listen">,
  from = "?",
): Promise<Response> {
  const { pathname } = new URL(request.url);
  const allow = (method: string) =>
    request.method === method || (method === "GET" && request.method === "HEAD");
  switch (pathname) {
    case "/": {
      if (!allow("GET")) return json(405, { error: "use GET" }, { allow: "GET, HEAD" });
      if (!await statusAllowed(request, options.statusToken)) {
        return new Response(
          "401: this status page needs ?token= or an Authorization: Bearer header\n",
          {
            status: 401,
            headers: {
              "content-type": "text/plain; charset=utf-8",
              "www-authenticate": 'Bearer realm="autostack"',
            },
          },
        );
      }
      return new Response(await options.statusPage(), {
        headers: {
          "content-type": "text/html; charset=utf-8",
          // The page may carry the token in its URL: keep it out of caches and referrers.
          "cache-control": "no-store",
          "referrer-policy": "no-referrer",
          "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
      });
    }
    case "/healthz": {
      if (!allow("GET")) return json(405, { error: "use GET" }, { allow: "GET, HEAD" });
      const status = options.status();
      return json(status.alive ? 200 : 503, {
        status: status.alive ? "ok" : "stopping",
        ...status,
      });
    }
    case "/metrics":
      if (!allow("GET")) return json(405, { error: "use GET" }, { allow: "GET, HEAD" });
      return new Response(await options.metrics.text(), {
        headers: { "content-type": options.metrics.contentType },
      });
    case "/hooks/git":
      return await hook(request, options, from);
    default:
      return json(404, { error: "not found" });
  }
}

async function hook(request: Request, options: Omit<ServerOptions, "listen">, from: string) {
  if (options.secret === undefined) {
    await request.body?.cancel().catch(() => {});
    return json(404, { error: "webhooks are off: set webhook_secret" });
  }
  if (request.method !== "POST") return json(405, { error: "use POST" }, { allow: "POST" });
  const verdict = await handlePush(request, {
    secret: options.secret,
    branch: options.branch,
    budget: options.bodyBudget,
  });
  if (verdict.status === 401) {
    options.logger.warn(`watch: push from ${from} rejected: missing or wrong signature`);
  } else if (verdict.status === 503) {
    // A flood: one warning per request would flood the log too.
    options.logger.debug(`watch: push from ${from} refused: too many bodies at once`);
  } else if (verdict.trigger !== undefined) {
    options.logger.info(`watch: ${verdict.trigger} from ${from}: run requested`);
    // The run starts after we reply: a forge waits ~10 s for an answer, a deploy takes longer.
    options.trigger(verdict.trigger);
  } else options.logger.debug(`watch: push from ${from}: ${JSON.stringify(verdict.body)}`);
  const headers: Record<string, string> = verdict.retryAfter === undefined
    ? {}
    : { "retry-after": `${verdict.retryAfter}` };
  return json(verdict.status, verdict.body, headers);
}

/** Starts `Deno.serve` on `options.listen`; throws when the address is invalid or taken. */
export function startServer(options: ServerOptions): WatchServer {
  const address = parseListen(options.listen);
  if (address === undefined) {
    throw new AutostackError(
      `watch: listen must be an address such as 127.0.0.1:9000: "${options.listen}"`,
      { exitCode: 2 },
    );
  }
  if (options.secret === undefined) {
    options.logger.info("watch: POST /hooks/git is off (no webhook_secret)");
  } else if (options.secret === NO_SECRET) {
    options.logger.warn("watch: POST /hooks/git takes unsigned pushes (webhook_secret: none)");
  }
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = serve(options, address);
  } catch (error) {
    throw new AutostackError(`watch: cannot listen on ${options.listen}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  return { addr: server.addr, shutdown: () => server.shutdown() };
}

function serve(given: ServerOptions, address: { hostname: string; port: number }) {
  const options = { ...given, bodyBudget: given.bodyBudget ?? new BodyBudget() };
  return Deno.serve({
    ...address,
    onListen: (addr) => options.logger.info(`watch: listening on ${addr.hostname}:${addr.port}`),
    onError: (error) => {
      options.logger.error(`watch: server: ${errorMessage(error)}`);
      return json(500, { error: "internal error" });
    },
  }, (request, info) => {
    const remote = info.remoteAddr;
    return route(request, options, `${remote.hostname}:${remote.port}`);
  });
}
