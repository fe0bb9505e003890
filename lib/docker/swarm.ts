/**
 * The Swarm CLI for `mode: swarm` (docs/swarm.md): pure argument builders and
 * parsers of `docker info`, `docker service ls|inspect|ps` output, and a thin
 * {@link Swarm} wrapper that runs them through the injected {@link Runner}.
 * Everything is found by the stack label `com.docker.stack.namespace`, so no
 * compose file is needed to look at, or take down, a deployed stack.
 * @module
 */
import { z } from "zod";
import { ComposeError, daemonDown, DockerDownError } from "../errors.ts";
import { formatDuration } from "../duration.ts";
import { type Runner, tail } from "../process.ts";
import { ENGINE_TIMEOUT_MS } from "./containers.ts";
import { asArray, jsonLines, parseJson } from "./_json.ts";

/** The label Swarm puts on every object of a stack. */
export const STACK_LABEL = "com.docker.stack.namespace";

/**
 * What this engine is to the swarm: only a manager can deploy stacks; a
 * worker and an engine in no swarm are alike here (`none`).
 */
export type SwarmRole = "manager" | "none";

/** A service of a stack, as one look at the swarm sees it. */
export interface SwarmService {
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
 * Whether a failed swarm call said this engine is no manager (Docker 26:
 * "This node is not a swarm manager", from a worker and from an engine in no
 * swarm alike).
 */
export function notManager(stderr: string): boolean {
  return /\bnot a swarm manager\b/.test(stderr);
}

const ServiceLine = z.object({ Name: z.string(), Mode: z.string(), Replicas: z.string() });

/** Parses `docker service ls --format json`: one object per line. */
export function parseServiceList(stdout: string): z.infer<typeof ServiceLine>[] {
  return jsonLines(stdout, "docker service ls").map((value, i) => {
    const parsed = ServiceLine.safeParse(value);
    if (!parsed.success) {
      throw new ComposeError(`cannot read docker service ls, line ${i + 1}: missing fields`);
    }
    return parsed.data;
  });
}

/** The desired task count in a `service ls` Replicas cell (`1/2`, `0/1 (max 1 per node)`). */
export function desiredOf(mode: string, replicas: string): number | undefined {
  if (mode.endsWith("job")) return undefined;
  const match = /^\d+\/(\d+)/.exec(replicas);
  return match ? Number(match[1]) : undefined;
}

const ServiceInspect = z.object({
  Spec: z.object({
    Name: z.string(),
    Mode: z.object({
      Replicated: z.object({ Replicas: z.number().optional() }).optional(),
      Global: z.object({}).optional(),
      ReplicatedJob: z.object({}).optional(),
      GlobalJob: z.object({}).optional(),
    }),
  }),
  UpdateStatus: z.object({ State: z.string().optional(), Message: z.string().optional() })
    .nullish(),
});

/**
 * Parses `docker service inspect` into services. A replicated service's
 * desired count is its spec's; a global one's depends on the nodes, which
 * only `service ls` counts: `undefined` here.
 */
export function parseServiceInspect(stdout: string): SwarmService[] {
  if (stdout.trim() === "") return [];
  return asArray(parseJson(stdout, "docker service inspect")).map((value, i) => {
    const parsed = ServiceInspect.safeParse(value);
    if (!parsed.success) {
      throw new ComposeError(`cannot read docker service inspect, entry ${i + 1}`);
    }
    const { Spec, UpdateStatus } = parsed.data;
    const mode = Spec.Mode.Replicated
      ? "replicated"
      : Spec.Mode.Global
      ? "global"
      : Spec.Mode.ReplicatedJob
      ? "replicated-job"
      : "global-job";
    return {
      name: Spec.Name,
      mode,
      desired: mode === "replicated" ? Spec.Mode.Replicated?.Replicas ?? 1 : undefined,
      updateState: UpdateStatus?.State ?? "",
      updateMessage: UpdateStatus?.Message ?? "",
    };
  });
}

const TaskLine = z.object({
  ID: z.string(),
  Name: z.string(),
  DesiredState: z.string(),
  CurrentState: z.string(),
  Error: z.string(),
});

/**
 * Parses `docker service ps --format json` of `services`. A task's name is
 * `SERVICE.SLOT` (replicated) or `SERVICE.NODE` (global); the longest service
 * name it starts with is its service. States are lower-cased first words
 * (`Running 5 seconds ago` → `running`); the CLI quotes errors, we do not.
 */
export function parseTaskList(stdout: string, services: readonly string[]): SwarmTask[] {
  const byLength = [...services].sort((a, b) => b.length - a.length);
  return jsonLines(stdout, "docker service ps").flatMap((value, i) => {
    const parsed = TaskLine.safeParse(value);
    if (!parsed.success) {
      throw new ComposeError(`cannot read docker service ps, line ${i + 1}: missing fields`);
    }
    const t = parsed.data;
    const service = byLength.find((s) => t.Name.startsWith(`${s}.`));
    if (service === undefined) return [];
    return [{
      id: t.ID,
      service,
      desired: firstWord(t.DesiredState),
      state: firstWord(t.CurrentState),
      error: t.Error.replace(/^"(.*)"$/, "$1"),
    }];
  });
}

const StackLine = z.object({ Name: z.string(), Services: z.string() });

/** Parses `docker stack ls --format json` into the number of services per stack name. */
export function parseStackList(stdout: string): Map<string, number> {
  const out = new Map<string, number>();
  jsonLines(stdout, "docker stack ls").forEach((value, i) => {
    const parsed = StackLine.safeParse(value);
    if (!parsed.success) {
      throw new ComposeError(`cannot read docker stack ls, line ${i + 1}: missing fields`);
    }
    out.set(parsed.data.Name, Number(parsed.data.Services) || 0);
  });
  return out;
}

/** What a stack holds besides services: configs and secrets, each listed and removed alike. */
export type SwarmObjectKind = "config" | "secret";

/** `docker config ls` / `docker secret ls` of the objects labelled as `stack`'s, one JSON per line. */
export function objectListArgs(kind: SwarmObjectKind, stack: string): string[] {
  return ["docker", kind, "ls", "--filter", `label=${STACK_LABEL}=${stack}`, "--format", "json"];
}

const ObjectLine = z.object({ Name: z.string() });

/** The names in `docker config ls` / `docker secret ls --format json` output. */
export function parseObjectList(stdout: string): string[] {
  return jsonLines(stdout, "docker object list").map((value, i) => {
    const parsed = ObjectLine.safeParse(value);
    if (!parsed.success) {
      throw new ComposeError(`cannot read docker object list, line ${i + 1}: no Name`);
    }
    return parsed.data.Name;
  });
}

/**
 * What removing a config or secret came to. `in_use`: a service still uses
 * it (an old task still stopping; Docker 26 refuses with "is in use by the
 * following service"); `gone`: it was not there.
 */
export type ObjectRemoval = "removed" | "in_use" | "gone";

/** Runs the swarm commands of autostack; every method throws {@link ComposeError} on failure. */
export class Swarm {
  readonly #runner: Runner;
  #stacks: Promise<Map<string, number> | undefined> | undefined;

  /** Wraps `runner`. */
  constructor(runner: Runner) {
    this.#runner = runner;
  }

  /**
   * Every stack on the swarm with its number of services, or `undefined`
   * when this engine is no manager: one `docker stack ls`, asked once per
   * {@link Swarm} (a run), since it answers {@link role} too.
   */
  stacks(): Promise<Map<string, number> | undefined> {
    this.#stacks ??= this.#call(["docker", "stack", "ls", "--format", "json"], "stack ls")
      .then(parseStackList, (error: unknown) => {
        if (error instanceof ComposeError && notManager(error.message)) return undefined;
        throw error;
      });
    // A failed look is not remembered: the next stack asks again.
    this.#stacks.catch(() => this.#stacks = undefined);
    return this.#stacks;
  }

  /** This engine's role, from {@link stacks} (no `docker info`: it takes three times as long). */
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
    return parseObjectList(await this.#call(objectListArgs(kind, stack), `${kind} ls`));
  }

  /** `docker config rm NAME` / `docker secret rm NAME`; see {@link ObjectRemoval}. */
  async removeObject(kind: SwarmObjectKind, name: string): Promise<ObjectRemoval> {
    try {
      await this.#call(["docker", kind, "rm", name], `${kind} rm`);
      return "removed";
    } catch (error) {
      if (!(error instanceof ComposeError)) throw error;
      if (/\bis in use\b/.test(error.message)) return "in_use";
      if (/\bnot found\b/i.test(error.message)) return "gone";
      throw error;
    }
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
    const looks = await Promise.all(
      [["ps", "-aq"], ["network", "ls", "-q"]].map((list) =>
        this.#runner.run(["docker", ...list, "--filter", `label=${STACK_LABEL}=${name}`], {
          timeoutMs: ENGINE_TIMEOUT_MS,
        })
      ),
    );
    return !looks.every((r) => r.code === 0 && r.stdout.trim() === "");
  }

  /** The stack's services with their desired count and Swarm's update state. */
  async services(name: string): Promise<SwarmService[]> {
    const listed = parseServiceList(
      await this.#call(
        ["docker", "service", "ls", "--filter", `label=${STACK_LABEL}=${name}`, "--format", "json"],
        "service ls",
      ),
    );
    if (listed.length === 0) return [];
    const global = new Map(listed.map((s) => [s.Name, desiredOf(s.Mode, s.Replicas)]));
    return (await this.inspect(listed.map((s) => s.Name))).map((s) =>
      s.mode === "global" ? { ...s, desired: global.get(s.name) } : s
    );
  }

  /**
   * Services known by name, in one `service inspect` (a global service's
   * desired count needs {@link services}).
   */
  async inspect(names: readonly string[]): Promise<SwarmService[]> {
    if (names.length === 0) return [];
    return parseServiceInspect(
      await this.#call(["docker", "service", "inspect", ...names], "service inspect"),
    );
  }

  /**
   * The tasks of `services` that run their current spec (the engine's
   * `_up-to-date` filter, the one `docker service update` watches with):
   * older tasks, still running during a rolling update, are left out.
   */
  async currentTasks(services: readonly string[]): Promise<SwarmTask[]> {
    if (services.length === 0) return [];
    const args = ["docker", "service", "ps", "--no-trunc", "--filter", "_up-to-date=true"];
    const out = await this.#call([...args, "--format", "json", ...services], "service ps");
    return parseTaskList(out, services);
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

function firstWord(text: string): string {
  return (text.trim().split(/\s+/)[0] ?? "").toLowerCase();
}
