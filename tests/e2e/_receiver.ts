/**
 * Loopback helpers for the notification and watch e2e tests: an HTTP receiver
 * that records every request (paths under `/hang` never get an answer, like a
 * dead webhook), a port nobody listens on, polling, and a unique stack name.
 * @module
 */

/** One request the receiver got. */
export interface Received {
  /** The path, e.g. `/discord`. */
  path: string;
  /** The query string, with its `?`. */
  search: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body as text. */
  body: string;
}

/** An HTTP server on 127.0.0.1 (a free port) that records what it is sent. */
export class Receiver {
  /** Every request, in arrival order. */
  readonly received: Received[] = [];
  readonly #hanging: (() => void)[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;

  private constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => this.#handle(req),
    );
  }

  /** Starts a receiver. */
  static start(): Receiver {
    return new Receiver();
  }

  /** The URL of `path` on this receiver. */
  url(path: string): string {
    return `http://127.0.0.1:${this.#server.addr.port}${path}`;
  }

  /** The requests to `path`. */
  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    this.received.push({
      path: url.pathname,
      search: url.search,
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
    });
    if (url.pathname.startsWith("/hang")) {
      await new Promise<void>((resolve) => this.#hanging.push(resolve));
    }
    return new Response("ok");
  }

  /** Answers the hanging requests (so the server can stop) and stops. */
  async close(): Promise<void> {
    for (const resolve of this.#hanging) resolve();
    await this.#server.shutdown();
  }
}

/** A loopback port with nothing listening on it (a connection is refused at once). */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** Polls `check` every 100 ms until it returns a value (not `undefined`), or throws after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const end = performance.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A unique stack (compose project) name for these tests. */
export function uniqueStack(tag: string): string {
  return `${tag}${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
}
