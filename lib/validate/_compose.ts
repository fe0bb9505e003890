/**
 * Private to `validate.ts`: asks `docker compose config` whether a stack's
 * compose files are valid, and reads the normalised model it prints (`extends`,
 * `include`, profiles, anchors resolved) into the facts the rules need. The
 * output is outside data: it is narrowed with zod, never cast.
 * @module
 */
import { z } from "zod";
import { composeArgs } from "../docker/mod.ts";
import type { Runner } from "../process.ts";
import { isRecord } from "../yaml_doc.ts";
import type { ServiceInfo, StackModel } from "./_model.ts";
import { healthOf, hostPort, oneShots, rawMount } from "./_yaml.ts";

/** How one stack's compose files fared. */
export type ComposeCheck =
  | { kind: "ok"; model: StackModel; note?: string }
  | { kind: "invalid"; message: string; line?: number; path?: string[]; file?: string }
  | { kind: "skipped"; reason: string };

/** What compose needs to read one stack. */
export interface ComposeProject {
  /** The configured compose command, e.g. `["docker", "compose"]`. */
  command: readonly string[];
  /** Project name (`-p`); it does not matter much, `config` creates nothing. */
  project: string;
  /** The stack folder, absolute: compose reads `.env` and resolves paths from it. */
  dir: string;
  /** Absolute paths of the compose file and the `compose_files`, in order. */
  files: readonly string[];
}

const TIMEOUT_MS = 60_000;

/** Whether the compose command answers `version`; the reason when it does not. */
export async function composeAvailable(
  runner: Runner,
  command: readonly string[],
): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const r = await runner.run([...command, "version"], { timeoutMs: 20_000 });
    if (r.code === 0) return { ok: true };
    const why = firstLine(r.stderr) || `exit ${r.code}`;
    return { ok: false, reason: `${command.join(" ")} is not available (${why})` };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The `config` command line. `--profile "*"` brings in the services of every
 * profile, so none goes unchecked (compose before 2.20 ignores the wildcard).
 */
export function configArgs(p: ComposeProject, interpolate: boolean): string[] {
  const target = {
    command: [...p.command, "--profile", "*"],
    project: p.project,
    dir: p.dir,
    files: [...p.files],
  };
  return composeArgs(target, [
    "config",
    "--format",
    "json",
    ...(interpolate ? [] : ["--no-interpolate"]),
  ]);
}

/**
 * Runs `config` with the environment's variables; when that fails because
 * of them (a variable the CI does not set, an `env_file` that lives on the
 * deploy host), runs it again without interpolation, so only a file that is
 * wrong whatever the variables is reported as invalid.
 */
export async function checkCompose(
  runner: Runner,
  p: ComposeProject,
  root: string,
): Promise<ComposeCheck> {
  const first = await runner.run(configArgs(p, true), { timeoutMs: TIMEOUT_MS });
  if (first.code === 0) return readModel(first.stdout, p.dir);
  if (first.code === 124) return { kind: "skipped", reason: "docker compose config timed out" };
  if (!dependsOnHost(first.stderr, root)) return invalid(first.stderr, root, p.files);
  const second = await runner.run(configArgs(p, false), { timeoutMs: TIMEOUT_MS });
  if (second.code !== 0) return invalid(second.stderr, root, p.files);
  const checked = readModel(second.stdout, p.dir);
  if (checked.kind !== "ok") return checked;
  const note = `checked without variable substitution, as it fails off the deploy host: ${
    composeMessage(first.stderr, root)
  }`;
  return { ...checked, note };
}

/** A failure that comes from the environment the check runs in, not from the files. */
export function dependsOnHost(stderr: string, root: string): boolean {
  if (/\bvariable\b/i.test(stderr)) return true;
  const envFile = /env file (\S+) not found/.exec(stderr)?.[1];
  return envFile !== undefined && !envFile.startsWith(`${root}/`);
}

function invalid(stderr: string, root: string, files: readonly string[]): ComposeCheck {
  const message = composeMessage(stderr, root);
  const file = files.find((f) => stderr.includes(f));
  const line = /\bline (\d+)\b/.exec(message)?.[1];
  const path = errorPath(message);
  return {
    kind: "invalid",
    message,
    ...(file === undefined ? {} : { file }),
    ...(line === undefined ? {} : { line: Number(line) }),
    ...(path === undefined ? {} : { path }),
  };
}

/** Compose's error text on one line: log noise dropped, checkout paths made relative. */
export function composeMessage(stderr: string, root: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !/^time=".*level=(warning|info|debug)/.test(l) && !/^(WARN|INFO|DEBU)\[/.test(l)
  );
  const text = lines.join(" ").replaceAll(`${root}/`, "").replace(/^validating [^:]+: /, "");
  return text === "" ? "docker compose config failed" : text;
}

/** The model path an error names (`services.web.ports`, `services[web].healthcheck`), as keys. */
export function errorPath(message: string): string[] | undefined {
  const match =
    /(?:^|[\s'"])((?:services|volumes|networks|secrets|configs)(?:\[[^\]]+\]|\.[\w-]+)+)/
      .exec(message);
  if (match?.[1] === undefined) return undefined;
  const path = match[1].replace(/\[([^\]]+)\]/g, ".$1").split(".");
  // The schema names the key it refuses: point at that key, not at its parent.
  const extra = /Additional property (\S+) is not allowed/.exec(message)?.[1];
  return extra === undefined ? path : [...path, extra];
}

function firstLine(text: string): string {
  return text.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "";
}

const Health = z.object({ test: z.unknown().optional(), disable: z.unknown().optional() });
const Service = z.object({
  container_name: z.string().optional(),
  healthcheck: Health.nullish(),
  depends_on: z.unknown().optional(),
  ports: z.array(z.unknown()).nullish(),
  volumes: z.array(z.unknown()).nullish(),
});
const Project = z.object({
  services: z.record(z.string(), Service).nullish(),
  volumes: z.record(z.string(), z.unknown()).nullish(),
});

/** Reads `config --format json` output; output of an unknown shape is skipped, not a crash. */
export function readModel(stdout: string, dir: string): ComposeCheck {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return { kind: "skipped", reason: "docker compose config did not print JSON" };
  }
  const parsed = Project.safeParse(json);
  if (!parsed.success) {
    const reason = `cannot read docker compose config output: ${z.prettifyError(parsed.error)}`;
    return { kind: "skipped", reason: reason.replace(/\s*\n\s*/g, " ") };
  }
  const jobs = oneShots(Object.values(parsed.data.services ?? {}));
  const services = Object.entries(parsed.data.services ?? {}).map(([name, s]): ServiceInfo => ({
    name,
    healthcheck: s.healthcheck ? healthOf(s.healthcheck) : "no",
    ...(jobs.has(name) ? { oneShot: true } : {}),
    ...(s.container_name === undefined ? {} : { containerName: s.container_name }),
    hostPorts: (s.ports ?? []).flatMap((p) => hostPort(p) ?? []),
    mounts: (s.volumes ?? []).flatMap((v) => rawMount(v, dir) ?? []),
  }));
  const volumes: StackModel["volumes"] = {};
  for (const [key, value] of Object.entries(parsed.data.volumes ?? {})) {
    volumes[key] = { external: isRecord(value) && Boolean(value.external) };
  }
  return { kind: "ok", model: { services, volumes } };
}
