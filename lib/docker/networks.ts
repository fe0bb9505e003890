/**
 * Network aliases on shared networks, for the canary (docs/canary.md).
 * Docker's DNS answers for a container under its aliases as soon as it runs,
 * healthy or not, and has no call that adds or drops one alias: an endpoint
 * is connected with its aliases or not at all. So a new copy is created, then
 * reconnected to each shared network without its aliases (it can reach its
 * dependencies, nobody finds it), started, and reconnected with its aliases
 * once healthy. The old copy is hidden the same way `drain` before it goes:
 * reconnected at once, it gets its address back (Docker hands out the lowest
 * free one, which is its own unless a lower one was freed meanwhile), so a
 * proxy that resolved it before still reaches it until it looks again. A
 * disconnected address swallows packets, and a proxy dialing it waits.
 * @module
 */
import { z } from "zod";
import { ComposeError, daemonDown, DockerDownError } from "../errors.ts";
import { ENGINE_TIMEOUT_MS } from "./engine.ts";
import { type Runner, tail } from "../process.ts";

/** One container's endpoint on a network it shares with other projects. */
export interface SharedEndpoint {
  /** Container id. */
  container: string;
  /** Container name, for messages. */
  name: string;
  /** The network's name. */
  network: string;
  /** The names it answers to there (compose's: service name, container name, `aliases`). */
  aliases: string[];
}

const Endpoint = z.object({ Aliases: z.array(z.string()).nullish() });
const Container = z.object({
  Id: z.string(),
  Name: z.string(),
  NetworkSettings: z.object({ Networks: z.record(z.string(), Endpoint).nullish() }),
});
const Network = z.object({
  Name: z.string(),
  Labels: z.record(z.string(), z.string()).nullish(),
});

// Networks Docker made itself: no DNS on them, nothing to hide or drain.
const PREDEFINED = new Set(["bridge", "host", "none"]);

/** Parses `docker inspect CONTAINER…` into one entry per container and network. */
export function parseContainerNetworks(stdout: string): SharedEndpoint[] {
  return parseArray(stdout, "docker inspect").flatMap((value, i) => {
    const c = narrow(Container, value, `docker inspect entry ${i + 1}`);
    const shortId = c.Id.slice(0, 12);
    return Object.entries(c.NetworkSettings.Networks ?? {}).map(([network, e]) => ({
      container: c.Id,
      name: c.Name.replace(/^\//, ""),
      network,
      // Docker adds the short id itself on every connect.
      aliases: (e.Aliases ?? []).filter((a) => a !== shortId),
    }));
  });
}

/** Parses `docker network inspect NET…` into each network's compose project ("" for none). */
export function parseNetworkProjects(stdout: string): Map<string, string> {
  const owners = new Map<string, string>();
  parseArray(stdout, "docker network inspect").forEach((value, i) => {
    const n = narrow(Network, value, `docker network inspect entry ${i + 1}`);
    owners.set(n.Name, n.Labels?.["com.docker.compose.project"] ?? "");
  });
  return owners;
}

/** Keeps the endpoints on networks that `project` does not own and Docker did not predefine. */
export function sharedOnly(
  endpoints: readonly SharedEndpoint[],
  owners: ReadonlyMap<string, string>,
  project: string,
): SharedEndpoint[] {
  return endpoints.filter((e) => !PREDEFINED.has(e.network) && owners.get(e.network) !== project);
}

/** The docker network calls of a canary, through the run's runner. */
export class Networks {
  readonly #runner: Runner;
  readonly #engine: string;

  /** Calls `engine` (`docker`, `podman`) through `runner`. */
  constructor(runner: Runner, engine: string) {
    this.#runner = runner;
    this.#engine = engine;
  }

  /** The endpoints of `containers` (ids) on networks shared with other projects. */
  async shared(project: string, containers: readonly string[]): Promise<SharedEndpoint[]> {
    if (containers.length === 0) return [];
    const all = parseContainerNetworks(await this.#call(["inspect", ...containers]));
    const names = [...new Set(all.map((e) => e.network))].filter((n) => !PREDEFINED.has(n));
    if (names.length === 0) return [];
    const owners = parseNetworkProjects(await this.#call(["network", "inspect", ...names]));
    return sharedOnly(all, owners, project);
  }

  /** Reconnects each endpoint without its aliases: reachable by nobody under the shared names. */
  async hide(endpoints: readonly SharedEndpoint[]): Promise<void> {
    for (const e of endpoints) {
      await this.#call(["network", "disconnect", e.network, e.container]);
      await this.#call(["network", "connect", e.network, e.container]);
    }
  }

  /** Reconnects each endpoint with its aliases: from now on it shares the traffic. */
  async join(endpoints: readonly SharedEndpoint[]): Promise<void> {
    for (const e of endpoints) {
      await this.#call(["network", "disconnect", e.network, e.container]);
      const aliases = e.aliases.flatMap((a) => ["--alias", a]);
      await this.#call(["network", "connect", ...aliases, e.network, e.container]);
    }
  }

  /** Disconnects each endpoint; one that is gone already is not an error. */
  async leave(endpoints: readonly SharedEndpoint[]): Promise<void> {
    for (const e of endpoints) {
      await this.#call(["network", "disconnect", "--force", e.network, e.container]).catch(
        () => {},
      );
    }
  }

  async #call(args: string[]): Promise<string> {
    const r = await this.#runner.run([this.#engine, ...args], { timeoutMs: ENGINE_TIMEOUT_MS });
    if (r.code === 0) return r.stdout;
    const what = args.slice(0, 2).join(" ");
    if (daemonDown(r.stderr)) throw new DockerDownError(tail(r.stderr, 3));
    throw new ComposeError(`${this.#engine} ${what} failed (exit ${r.code}): ${tail(r.stderr, 3)}`);
  }
}

function parseArray(stdout: string, what: string): unknown[] {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new ComposeError(`cannot read ${what} output: not JSON`);
  }
  if (!Array.isArray(json)) throw new ComposeError(`cannot read ${what} output: not an array`);
  return json;
}

function narrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ComposeError(`cannot read ${what}: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
