/**
 * The compose CLI: pure argument builders ({@link composeArgs}), pure parsers of
 * its JSON output ({@link parsePs}, {@link parseInspectHealth}), and a thin
 * {@link Compose} wrapper that runs them through an injected {@link Runner}.
 * What the health loop asks often (a project's containers, its healthchecks'
 * schedule) goes to the engine's own `ps` and `inspect`, which start in a
 * fraction of a compose call's time.
 * @module
 */
import { formatDuration } from "../duration.ts";
import { z } from "zod";
import { type ContainerInfo, containerListArgs, parseContainerList } from "./containers.ts";
import { ENGINE_TIMEOUT_MS } from "./engine.ts";
import { ComposeError, daemonDown, DockerDownError } from "../errors.ts";
import { parseProbeSchedules, type ProbeSchedule } from "./probe_schedule.ts";
import { type Runner, type RunResult, tail } from "../process.ts";
import { asArray, parseJson } from "./_json.ts";

/** How to call compose for one project. */
export interface ComposeTarget {
  /** The configured compose command, e.g. `["docker", "compose"]`. */
  command: string[];
  /** The compose project name (`-p`), which also wins over a `name:` in the file. */
  project: string;
  /** Project directory (`running_stacks/NAME`): compose reads `.env` from it. */
  dir?: string;
  /** Compose file, then the extra `compose_files`, in order (`-f` each). */
  files?: string[];
}

/** The last healthcheck probe of a container. */
export interface ProbeResult {
  /** Exit code of the probe command. */
  exitCode: number;
  /** What the probe printed (stdout and stderr), untrimmed. */
  output: string;
}

/** Builds the full compose command line for `target`, ending with `args`. */
export function composeArgs(target: ComposeTarget, args: string[]): string[] {
  const out = [...target.command, "-p", target.project];
  if (target.dir !== undefined) out.push("--project-directory", target.dir);
  for (const file of target.files ?? []) out.push("-f", file);
  return [...out, ...args];
}

/** The engine binary behind a compose command: `podman` for podman, else `docker`. */
export function engineOf(command: readonly string[]): string {
  return (command[0] ?? "").split("/").pop()?.startsWith("podman") ? "podman" : "docker";
}

// Field names as compose prints them; the array form (< 2.21) uses the same keys.
const PsEntry = z.object({
  ID: z.string(),
  Name: z.string(),
  Service: z.string(),
  State: z.string(),
  Health: z.string().optional(),
  ExitCode: z.number().optional(),
  Status: z.string().optional(),
});

/** Parses `compose ps --format json`: one object per line (>= 2.21) or one array (older). */
export function parsePs(stdout: string): ContainerInfo[] {
  const text = stdout.trim();
  if (text === "") return [];
  const values = text.startsWith("[")
    ? asArray(parseJson(text, "compose ps"))
    : text.split("\n").filter((l) => l.trim() !== "").map((line, i) =>
      parseJson(line, `compose ps line ${i + 1}`)
    );
  return values.map((value, i) => {
    const parsed = PsEntry.safeParse(value);
    if (!parsed.success) {
      throw new ComposeError(
        `cannot read compose ps output, entry ${i + 1}: ${z.prettifyError(parsed.error)}`,
      );
    }
    const e = parsed.data;
    return {
      id: e.ID,
      name: e.Name,
      service: e.Service,
      state: e.State,
      health: e.Health ?? "",
      exitCode: exitCodeOf(e.State, e.ExitCode ?? 0, e.Status ?? ""),
    };
  });
}

// compose reports ExitCode 0 while a container is restarting; the status text
// ("Restarting (2) 1 second ago") still carries the code of the crash.
function exitCodeOf(state: string, exitCode: number, status: string): number {
  if (state !== "restarting" || exitCode !== 0) return exitCode;
  const match = /\((\d+)\)/.exec(status);
  return match ? Number(match[1]) : exitCode;
}

const Probe = z.object({ ExitCode: z.number(), Output: z.string() });
const HealthState = z.object({ Log: z.array(Probe).nullish() }).nullish();
const InspectEntry = z.object({
  Id: z.string(),
  // Docker and podman >= 4 use Health; older podman used Healthcheck.
  State: z.object({ Health: HealthState, Healthcheck: HealthState }),
});

/** Parses `docker inspect` output into the last probe per full container id. */
export function parseInspectHealth(stdout: string): Map<string, ProbeResult> {
  const result = new Map<string, ProbeResult>();
  if (stdout.trim() === "") return result;
  asArray(parseJson(stdout, "docker inspect")).forEach((value, i) => {
    const parsed = InspectEntry.safeParse(value);
    if (!parsed.success) {
      throw new ComposeError(
        `cannot read docker inspect output, entry ${i + 1}: ${z.prettifyError(parsed.error)}`,
      );
    }
    const { Id, State } = parsed.data;
    const last = (State.Health ?? State.Healthcheck)?.Log?.at(-1);
    if (last) result.set(Id, { exitCode: last.ExitCode, output: last.Output });
  });
  return result;
}

/** Options of a compose call. */
export interface CallOptions {
  /** Kill compose after this many milliseconds (default: {@link COMPOSE_TIMEOUTS}). */
  timeoutMs?: number;
}

/**
 * How long each compose call may take before it is killed and reported as
 * timed out: a hung daemon or a compose file that sends compose into a loop
 * must not hold the run lock for ever. Generous, since a slow host is not a
 * hung one; `pull` downloads, `up` creates and starts.
 */
export const COMPOSE_TIMEOUTS: Readonly<Record<string, number>> = {
  up: 600_000,
  "up --no-start": 600_000,
  pull: 900_000,
  down: 300_000,
  stop: 300_000,
  start: 300_000,
  config: 60_000,
  ps: 60_000,
};

/** Runs compose and docker for autostack; every method throws {@link ComposeError} on failure. */
export class Compose {
  readonly #runner: Runner;
  readonly #command: string[];
  #composePs = false;

  /** Wraps `runner`; `command` is the configured compose command, e.g. `["docker", "compose"]`. */
  constructor(runner: Runner, command: string[]) {
    this.#runner = runner;
    this.#command = [...command];
  }

  /** `up -d --remove-orphans`: starts the project; does not wait for health. */
  async up(t: ComposeTarget, opts: CallOptions = {}): Promise<void> {
    await this.#call(t, ["up", "-d", "--remove-orphans"], "up", opts);
  }

  /** `up --no-start`: creates the containers and networks without starting anything. */
  async create(t: ComposeTarget, opts: CallOptions = {}): Promise<void> {
    await this.#call(t, ["up", "--no-start", "--remove-orphans"], "up --no-start", opts);
  }

  /** `config --format json`: compose's normalised model of the files, as text to parse. */
  async model(t: ComposeTarget): Promise<string> {
    if (t.dir === undefined && (t.files ?? []).length === 0) {
      throw new TypeError(`model(): project "${t.project}" needs dir or files`);
    }
    return await this.#call(t, ["config", "--format", "json"], "config", {});
  }

  /** `pull --quiet SERVICES`: fetches their images before anything is stopped. */
  async pull(t: ComposeTarget, services: readonly string[], opts: CallOptions = {}): Promise<void> {
    await this.#call(t, ["pull", "--quiet", ...services], "pull", opts);
  }

  /** `stop`: stops the containers and keeps them (works without files). */
  async stop(t: ComposeTarget, opts: CallOptions = {}): Promise<void> {
    await this.#call(t, ["stop"], "stop", opts);
  }

  /** `start`: starts the stopped containers again (works without files). */
  async start(t: ComposeTarget, opts: CallOptions = {}): Promise<void> {
    await this.#call(t, ["start"], "start", opts);
  }

  /** `down --remove-orphans`: removes containers and networks; never `-v`, volumes are kept. */
  async down(t: ComposeTarget, opts: CallOptions = {}): Promise<void> {
    await this.#call(t, ["down", "--remove-orphans"], "down", opts);
  }

  /** Every container of `project`, exited ones included, found by label (no files needed). */
  async ps(project: string): Promise<ContainerInfo[]> {
    const target = { command: this.#command, project };
    const out = await this.#call(target, ["ps", "-a", "--format", "json"], "ps", {});
    return parsePs(out);
  }

  /**
   * Every container of `project` like {@link ps}, from one engine `ps` filtered
   * by the project label: a compose call costs ~0.1 s of CLI start-up, a
   * `docker ps` ~0.02 s, and the health loop looks four times a second. An
   * engine that cannot answer that way (its `ps` template lacks `.Label`) but
   * whose compose can is asked through {@link ps} from then on.
   */
  async containers(project: string): Promise<ContainerInfo[]> {
    if (!this.#composePs) {
      const r = await this.#runner.run(containerListArgs(engineOf(this.#command), project), {
        timeoutMs: ENGINE_TIMEOUT_MS,
      });
      if (r.code === 0) return parseContainerList(r.stdout, project);
      const viaCompose = await this.ps(project);
      this.#composePs = true;
      return viaCompose;
    }
    return await this.ps(project);
  }

  /** The services compose would start (`config --services`, honours profiles). */
  async services(t: ComposeTarget): Promise<string[]> {
    // Without a file or a directory compose would read whatever is in our cwd.
    if (t.dir === undefined && (t.files ?? []).length === 0) {
      throw new TypeError(`services(): project "${t.project}" needs dir or files`);
    }
    const out = await this.#call(t, ["config", "--services"], "config", {});
    return out.split("\n").map((s) => s.trim()).filter((s) => s !== "");
  }

  /** The last healthcheck probe of each container, keyed by the ids given, in one `inspect`. */
  async inspectHealth(ids: string[]): Promise<Map<string, ProbeResult>> {
    const found = new Map<string, ProbeResult>();
    if (ids.length === 0) return found;
    const r = await this.#inspect(ids);
    // A container removed meanwhile makes inspect exit 1 yet still print the others.
    if (r.code !== 0 && r.stdout.trim() === "") {
      const engine = engineOf(this.#command);
      if (daemonDown(r.stderr)) throw new DockerDownError(tail(r.stderr, 3));
      throw new ComposeError(`${engine} inspect failed (exit ${r.code}): ${tail(r.stderr, 3)}`);
    }
    const byFullId = parseInspectHealth(r.stdout);
    for (const id of ids) {
      for (const [fullId, probe] of byFullId) {
        if (fullId.startsWith(id)) found.set(id, probe);
      }
    }
    return found;
  }

  /** When the healthchecks of these containers run (one `inspect`); none when it cannot tell. */
  async probeSchedules(ids: string[]): Promise<ProbeSchedule[]> {
    if (ids.length === 0) return [];
    return parseProbeSchedules((await this.#inspect(ids)).stdout);
  }

  /** `ENGINE inspect IDS…`, whose JSON both the probe quotes and the schedules come from. */
  #inspect(ids: string[]): Promise<RunResult> {
    return this.#runner.run([engineOf(this.#command), "inspect", ...ids], {
      timeoutMs: ENGINE_TIMEOUT_MS,
    });
  }

  async #call(t: ComposeTarget, args: string[], verb: string, opts: CallOptions): Promise<string> {
    const cmd = composeArgs(t, args);
    const timeoutMs = opts.timeoutMs ?? COMPOSE_TIMEOUTS[verb] ?? 60_000;
    const r = await this.#runner.run(cmd, { timeoutMs });
    if (r.code === 0) return r.stdout;
    const why = r.code === 124 ? `timed out after ${formatDuration(timeoutMs)}` : `exit ${r.code}`;
    const detail = tail(r.stderr);
    if (daemonDown(r.stderr)) throw new DockerDownError(detail);
    throw new ComposeError(
      `compose ${verb} failed for project "${t.project}" (${why})${detail ? `: ${detail}` : ""}`,
    );
  }
}
