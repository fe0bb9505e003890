/**
 * The swarm for `mode: swarm` (docs/swarm.md): the `docker stack` argument
 * builders, parsers of the engine API's services, tasks, configs and secrets,
 * and the {@link Swarm} wrapper that deploys through the injected
 * {@link Runner} and looks through the injected {@link Engine}. Everything is
 * found by the stack label `com.docker.stack.namespace`, so no compose file
 * is needed to look at, or take down, a deployed stack.
 * @module
 */
import { z } from "zod";
import { ComposeError, daemonDown, DockerDownError } from "../errors.ts";
import { formatDuration } from "../duration.ts";
import { type Runner, tail } from "../process.ts";
import { Buffer } from "node:buffer";
import {
  type Engine,
  ENGINE_TIMEOUT_MS,
  engineAnswer,
  engineGet,
  engineMessage,
  engineRefused,
  type EngineRequest,
} from "./engine.ts";
import type { ResourceKind } from "./resources.ts";

/** The label Swarm puts on every object of a stack. */
export const STACK_LABEL = "com.docker.stack.namespace";

/**
 * What this engine is to the swarm: only a manager can deploy stacks; a
 * worker and an engine in no swarm are alike here (`none`).
 */
export type SwarmRole = "manager" | "none";

/** A service of a stack, as one look at the swarm sees it. */
export interface SwarmService {
  /** Service id (tasks name their service by it). */
  id: string;
  /** Full service name (`STACK_SERVICE`). */
  name: string;
  /** `replicated`, `global`, `replicated-job` or `global-job`. */
  mode: string;
  /** Tasks the service should run (replicas, or eligible nodes for global); undefined for jobs. */
  desired: number | undefined;
  /** Swarm's own update state: `updating`, `completed`, `paused`, `rollback_*`; "" when none. */
  updateState: string;
  /** Swarm's message about that update state. */
  updateMessage: string;
}

/** One task (container slot) of a service. */
export interface SwarmTask {
  /** Task id. */
  id: string;
  /** The service it belongs to (full name). */
  service: string;
  /** What the orchestrator wants: `running`, `shutdown`, `ready`, … */
  desired: string;
  /** Where it is: `running`, `starting` (healthcheck not passed yet), `failed`, … */
  state: string;
  /** The task's error (`task: non-zero exit (1)`), "" when none. */
  error: string;
}

/** How long `docker stack deploy` may take: it only sends specs, it does not wait. */
export const STACK_DEPLOY_TIMEOUT_MS = 300_000;

/**
 * `docker stack deploy` of `files` as stack `name`. `--resolve-image never`:
 * the image reference is given to the nodes as written, so images that exist
 * only locally (no registry, as on a one-node swarm) deploy; `changed` or
 * `always` would ask a registry for a digest and fail for them. Images pinned
 * by digest (image updates) stay exact either way.
 */
export function stackDeployArgs(name: string, files: readonly string[]): string[] {
  const out = ["docker", "stack", "deploy", "--prune", "--with-registry-auth"];
  out.push("--resolve-image", "never");
  for (const file of files) out.push("-c", file);
  return [...out, name];
}

/**
 * Whether a failed swarm request said this engine is no manager (Docker 26:
 * "This node is not a swarm manager", from a worker and from an engine in no
 * swarm alike).
 */
export function notManager(message: string): boolean {
  return /\bnot a swarm manager\b/.test(message);
}

const Labels = z.record(z.string(), z.string()).nullish();

const ServiceObject = z.object({
  ID: z.string(),
  Spec: z.object({
    Name: z.string(),
    Labels,
    Mode: z.object({
      Replicated: z.object({ Replicas: z.number().optional() }).optional(),
      Global: z.object({}).optional(),
      ReplicatedJob: z.object({}).optional(),
      GlobalJob: z.object({}).optional(),
    }),
  }),
  UpdateStatus: z.object({ State: z.string().optional(), Message: z.string().optional() })
    .nullish(),
  ServiceStatus: z.object({ DesiredTasks: z.number().optional() }).nullish(),
});

/**
 * Reads the engine's service list (`GET /services?status=true`). A
 * replicated service's desired count is its spec's, a global one's the
 * engine's count of eligible nodes; jobs have none.
 */
export function parseServices(body: unknown): SwarmService[] {
  return engineAnswer(z.array(ServiceObject), body, "services").map(
    ({ ID, Spec, UpdateStatus, ServiceStatus }) => {
      const mode = Spec.Mode.Replicated
        ? "replicated"
        : Spec.Mode.Global
        ? "global"
        : Spec.Mode.ReplicatedJob
        ? "replicated-job"
        : "global-job";
      return {
        id: ID,
        name: Spec.Name,
        mode,
        desired: mode === "replicated"
          ? Spec.Mode.Replicated?.Replicas ?? 1
          : mode === "global"
          ? ServiceStatus?.DesiredTasks
          : undefined,
        updateState: UpdateStatus?.State ?? "",
        updateMessage: UpdateStatus?.Message ?? "",
      };
    },
  );
}

/** Reads the engine's service list into the number of services per stack label. */
export function parseStacks(body: unknown): Map<string, number> {
  const out = new Map<string, number>();
  for (const service of engineAnswer(z.array(ServiceObject), body, "services")) {
    const stack = service.Spec.Labels?.[STACK_LABEL];
    if (stack !== undefined) out.set(stack, (out.get(stack) ?? 0) + 1);
  }
  return out;
}

const TaskObject = z.object({
  ID: z.string(),
  ServiceID: z.string(),
  CreatedAt: z.string(),
  DesiredState: z.string(),
  Status: z.object({ State: z.string(), Err: z.string().optional() }),
});

/**
 * Reads the engine's task list (`GET /tasks`) of `services`, newest first
 * (the first task with an error is the one a fault quotes); tasks of other
 * services are left out.
 */
export function parseTasks(body: unknown, services: readonly SwarmService[]): SwarmTask[] {
  const names = new Map(services.map((s) => [s.id, s.name]));
  return engineAnswer(z.array(TaskObject), body, "tasks")
    .sort((a, b) => Date.parse(b.CreatedAt) - Date.parse(a.CreatedAt))
    .flatMap((t) => {
      const service = names.get(t.ServiceID);
      if (service === undefined) return [];
      return [{
        id: t.ID,
        service,
        desired: t.DesiredState,
        state: t.Status.State,
        error: t.Status.Err ?? "",
      }];
    });
}

/** What a stack holds besides services: configs and secrets, each listed and removed alike. */
export type SwarmObjectKind = "config" | "secret";

const ObjectList = z.array(z.object({ Spec: z.object({ Name: z.string() }) }));

/** The names in the engine's config or secret list. */
export function parseObjects(body: unknown, kind: SwarmObjectKind): string[] {
  return engineAnswer(ObjectList, body, `${kind}s`).map((o) => o.Spec.Name);
}

const Created = z.object({ ID: z.string() });

const ConfigObject = z.object({ ID: z.string(), Spec: z.object({ Data: z.string() }) });

/**
 * The engine path of image, network, volume, config or secret `name` (an
 * image's `HOST:PORT/REPO:TAG` keeps its slashes).
 */
function objectPath(kind: ResourceKind | SwarmObjectKind, name: string): string {
  return `/${kind}s/${name.split("/").map(encodeURIComponent).join("/")}`;
}

/** The engine's filter of objects labelled as stack `stack`'s. */
function stackFilter(stack: string): Record<string, string[]> {
  return { label: [`${STACK_LABEL}=${stack}`] };
}

/**
 * What removing a config or secret came to. `in_use`: a service still uses
 * it (an old task still stopping; Docker 26 refuses with "is in use by the
 * following service"); `gone`: it was not there.
 */
export type ObjectRemoval = "removed" | "in_use" | "gone";

/**
 * The swarm as autostack acts on it: deploys, configs and removal through the
 * docker CLI (which reads compose files), every look through the
 * {@link Engine} API. Every method throws {@link ComposeError} on failure.
 */
export class Swarm {
  readonly #runner: Runner;
  readonly #engine: Engine;
  #stacks: Promise<Map<string, number> | undefined> | undefined;

  /** Runs the CLI through `runner` and asks `engine`. */
  constructor(runner: Runner, engine: Engine) {
    this.#runner = runner;
    this.#engine = engine;
  }

  /**
   * Every stack on the swarm with its number of services, or `undefined`
   * when this engine is no manager: one service list, asked once per
   * {@link Swarm} (a run), since it answers {@link role} too.
   */
  stacks(): Promise<Map<string, number> | undefined> {
    this.#stacks ??= this.#get("/services", { filters: { label: [STACK_LABEL] } }, "service ls")
      .then(parseStacks, (error: unknown) => {
        if (error instanceof ComposeError && notManager(error.message)) return undefined;
        throw error;
      });
    // A failed look is not remembered: the next stack asks again.
    this.#stacks.catch(() => this.#stacks = undefined);
    return this.#stacks;
  }

  /** This engine's role, from {@link stacks}. */
  async role(): Promise<SwarmRole> {
    return await this.stacks() === undefined ? "none" : "manager";
  }

  /**
   * `docker stack deploy` of `files` as `name` (returns before anything
   * runs). Swarm refuses a service update whose spec version moved meanwhile
   * (`update out of sequence`, when its own updater wrote the service between
   * the CLI's read and write): the deploy is sent again, a few times.
   */
  async deploy(name: string, files: readonly string[], env: Record<string, string> = {}) {
    for (let attempt = 1;; attempt++) {
      try {
        await this.#call(stackDeployArgs(name, files), "stack deploy", {
          timeoutMs: STACK_DEPLOY_TIMEOUT_MS,
          env,
        });
        return;
      } catch (error) {
        if (attempt >= 3 || !/update out of sequence/.test(String(error))) throw error;
      }
    }
  }

  /**
   * `docker stack config` of `files`, interpolated with `env`: the model
   * `docker stack deploy` would send, as YAML text. Refused files throw.
   */
  async model(files: readonly string[], env: Record<string, string>): Promise<string> {
    const args = ["docker", "stack", "config", ...files.flatMap((f) => ["-c", f])];
    return await this.#call(args, "stack config", { env });
  }

  /** The names of the configs or secrets labelled as stack `stack`'s. */
  async objects(kind: SwarmObjectKind, stack: string): Promise<string[]> {
    const body = await this.#get(`/${kind}s`, { filters: stackFilter(stack) }, `${kind} ls`);
    return parseObjects(body, kind);
  }

  /** Removes config or secret `name`; see {@link ObjectRemoval}. */
  async removeObject(kind: SwarmObjectKind, name: string): Promise<ObjectRemoval> {
    const reply = await this.#engine.request({ method: "DELETE", path: objectPath(kind, name) });
    if (reply.status < 300) return "removed";
    if (reply.status === 404) return "gone";
    if (/\bis in use\b/.test(engineMessage(reply))) return "in_use";
    throw engineRefused(`${kind} rm ${name}`, reply);
  }

  /**
   * Creates config `name` with `labels` and the text `data` (what `docker
   * config create` sends); `exists` when a config has that name.
   */
  async createConfig(
    name: string,
    labels: Record<string, string>,
    data: string,
  ): Promise<{ id: string } | "exists"> {
    const body = { Name: name, Labels: labels, Data: Buffer.from(data).toString("base64") };
    const reply = await this.#engine.request({ method: "POST", path: "/configs/create", body });
    if (reply.status === 409) return "exists";
    if (reply.status >= 300) throw engineRefused(`config create ${name}`, reply);
    return { id: engineAnswer(Created, reply.body, `answer to creating config ${name}`).ID };
  }

  /** Config `name` (or ID): its ID and its content as text; `undefined` when there is none. */
  async readConfig(name: string): Promise<{ id: string; data: string } | undefined> {
    const reply = await this.#engine.request({ method: "GET", path: objectPath("config", name) });
    if (reply.status === 404) return undefined;
    if (reply.status !== 200) throw engineRefused(`config inspect ${name}`, reply);
    const config = engineAnswer(ConfigObject, reply.body, `config ${name}`);
    return { id: config.ID, data: Buffer.from(config.Spec.Data, "base64").toString() };
  }

  /**
   * The images, networks or volumes among `names` that this engine does not
   * have (the preflight of a swarm stack): one request each, side by side.
   */
  async missing(kind: ResourceKind, names: readonly string[]): Promise<string[]> {
    const unique = [...new Set(names)];
    const found = await Promise.all(unique.map(async (name) => {
      const path = objectPath(kind, name) + (kind === "image" ? "/json" : "");
      const reply = await this.#engine.request({ method: "GET", path });
      if (reply.status === 404) return false;
      if (reply.status === 200) return true;
      throw engineRefused(`${kind} inspect ${name}`, reply);
    }));
    return unique.filter((_, i) => !found[i]);
  }

  /** `docker stack rm NAME` (returns before its tasks are gone; volumes are kept). */
  async remove(name: string): Promise<void> {
    await this.#call(["docker", "stack", "rm", name], "stack rm");
  }

  /**
   * Whether a removed stack left anything on this node: its tasks' containers
   * or its networks (an overlay network outlives `docker stack rm` a moment).
   * A list that fails counts as something left: the caller asks again.
   */
  async leftOn(name: string): Promise<boolean> {
    const filters = stackFilter(name);
    const looks = await Promise.all([
      this.#engine.request({
        method: "GET",
        path: "/containers/json",
        query: { all: "true", filters },
      }),
      this.#engine.request({ method: "GET", path: "/networks", query: { filters } }),
    ]);
    return !looks.every((r) => r.status === 200 && Array.isArray(r.body) && r.body.length === 0);
  }

  /**
   * Whether a Compose project named `name` has containers on this node (a
   * stack that ran with Compose before it was switched to `mode: swarm`).
   */
  async composeOn(name: string): Promise<boolean> {
    const filters = { label: [`com.docker.compose.project=${name}`] };
    const body = await this.#get("/containers/json", { all: "true", filters }, "ps");
    return Array.isArray(body) && body.length > 0;
  }

  /**
   * The stack's services with their desired count and Swarm's update state,
   * in one request (`status=true` counts a global service's nodes).
   */
  async services(name: string): Promise<SwarmService[]> {
    const query = { status: "true", filters: stackFilter(name) };
    return parseServices(await this.#get("/services", query, "service ls"));
  }

  /**
   * The tasks of `services` that run their current spec (the engine's
   * `_up-to-date` filter, the one `docker service update` watches with):
   * older tasks, still running during a rolling update, are left out.
   */
  async currentTasks(services: readonly SwarmService[]): Promise<SwarmTask[]> {
    if (services.length === 0) return [];
    const filters = { service: services.map((s) => s.id), "_up-to-date": ["true"] };
    return parseTasks(await this.#get("/tasks", { filters }, "service ps"), services);
  }

  /** A GET of the engine; a refusal throws in the words of the CLI `verb` it stands for. */
  #get(path: string, query: EngineRequest["query"], verb: string): Promise<unknown> {
    return engineGet(this.#engine, path, query, verb);
  }

  async #call(
    cmd: string[],
    verb: string,
    opts: { timeoutMs?: number; env?: Record<string, string> } = {},
  ): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? ENGINE_TIMEOUT_MS;
    const r = await this.#runner.run(cmd, { timeoutMs, env: opts.env });
    if (r.code === 0) return r.stdout;
    const why = r.code === 124 ? `timed out after ${formatDuration(timeoutMs)}` : `exit ${r.code}`;
    if (daemonDown(r.stderr)) throw new DockerDownError(tail(r.stderr, 3));
    const detail = tail(r.stderr, 5);
    throw new ComposeError(`docker ${verb} failed (${why})${detail ? `: ${detail}` : ""}`);
  }
}
