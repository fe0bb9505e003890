/**
 * Private to `validate.ts`: asks `docker stack config` whether `docker stack
 * deploy` would take a `mode: swarm` stack's compose files. Its loader checks
 * them against an older compose schema than `docker compose` does, so keys
 * Compose takes make a stack deploy fail: a top-level `name:` ("(root)
 * Additional property name is not allowed", checked with the docker 28 CLI),
 * `pull_policy`, `cpus` … Only that kind of answer is reported: the keys it
 * refuses as "forbidden properties" and the long `depends_on` are said, with
 * better words, by `_modes.ts`, and variables are not interpolated
 * (`--skip-interpolation`), as their values are only known on the host.
 * @module
 */
import { engineOf } from "../docker/mod.ts";
import type { Runner } from "../process.ts";
import type { Finding, Locate } from "./_model.ts";
import { errorPath } from "./_compose.ts";

/** How the check went. */
export type StackConfigCheck =
  | { kind: "ok" }
  | { kind: "refused"; message: string; path: string[] }
  | { kind: "skipped"; reason: string };

const TIMEOUT_MS = 60_000;

/** `docker stack config --skip-interpolation -c FILE …`. */
export function stackConfigArgs(files: readonly string[]): string[] {
  return ["docker", "stack", "config", "--skip-interpolation", ...files.flatMap((f) => ["-c", f])];
}

/** Runs `docker stack config` on the stack's compose files (absolute paths, in order). */
export async function checkStackConfig(
  runner: Runner,
  files: readonly string[],
): Promise<StackConfigCheck> {
  const r = await runner.run(stackConfigArgs(files), { timeoutMs: TIMEOUT_MS });
  if (r.code === 0) return { kind: "ok" };
  return readRefusal(r.stderr);
}

/** What a failed `docker stack config` said, as far as validate reports it. */
export function readRefusal(stderr: string): StackConfigCheck {
  if (/unknown (command|flag)|is not a docker command/i.test(stderr)) {
    return { kind: "skipped", reason: "this docker CLI has no `docker stack config`" };
  }
  const line = stderr.split("\n").map((l) => l.trim()).find((l) =>
    /Additional property \S+ is not allowed/.test(l)
  );
  if (line === undefined) return { kind: "ok" }; // said by the other rules, or only on the host
  const key = /Additional property (\S+) is not allowed/.exec(line)![1]!;
  const path = line.startsWith("(root)") ? [key] : errorPath(line) ?? [key];
  return { kind: "refused", message: line, path };
}

/** What the stack is to the check: its compose files, where findings go. */
export interface SwarmStackFiles {
  /** The configured compose command: only `docker` has `docker stack`. */
  command: readonly string[];
  /** The compose files, absolute, in order. */
  files: readonly string[];
  /** Folder and stack name of the findings. */
  where: { folder: string; stack: string };
  /** The compose file as shown, for a note. */
  file: string;
  /** Places a key path in the compose files. */
  locate: Locate;
}

/** The findings of `docker stack config` on a swarm stack: one error, one note, or none. */
export async function stackConfigFindings(
  runner: Runner,
  stack: SwarmStackFiles,
): Promise<Finding[]> {
  if (engineOf(stack.command) !== "docker") return [];
  const check = await checkStackConfig(runner, stack.files);
  if (check.kind === "ok") return [];
  if (check.kind === "skipped") {
    const message = `${check.reason}: the swarm stack was checked by autostack's own rules only`;
    return [{
      level: "note",
      rule: "compose-not-checked",
      ...stack.where,
      file: stack.file,
      message,
    }];
  }
  return [{
    level: "error",
    rule: "swarm-refused",
    ...stack.where,
    ...stack.locate(check.path),
    message: `docker stack deploy refuses ${check.path.join(".")} ("${check.message}"): its ` +
      "compose schema is older than docker compose's",
  }];
}
