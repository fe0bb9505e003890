/**
 * Real-Docker helpers for e2e tests: a loud check that Docker and Compose v2
 * are there, the local test image, and throwaway compose projects in temp
 * dirs that are always taken down (volumes too) at the end.
 * @module
 */
import { join } from "node:path";
import YAML from "yaml";
import type { ComposeTarget } from "../../lib/docker/mod.ts";
import { daxRunner } from "../../lib/process.ts";
import { Daemon } from "./_daemon.ts";
import { ROOT } from "./_harness.ts";

/** The local test image (FROM scratch + static busybox); never pulled. */
export const TEST_IMAGE = Deno.env.get("AUTOSTACK_TEST_IMAGE") ?? "autostack-test/busybox:latest";

/** True when e2e tests are to be skipped (`AUTOSTACK_SKIP_DOCKER=1`), and only then. */
export const SKIP_DOCKER = Deno.env.get("AUTOSTACK_SKIP_DOCKER") === "1";

/** The compose command the e2e tests use. */
export const COMPOSE = ["docker", "compose"];

const daemon = new Daemon({
  runner: daxRunner,
  ranBefore: () => Deno.stat("/var/run/docker.pid").then(() => true, () => false),
  log: (line) => Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`)),
  restart: ["bash", join(ROOT, "scripts", "setup.sh")],
});
let composeChecked: Promise<void> | undefined;

/**
 * Throws a clear error unless the daemon answers and `docker compose version`
 * is 2.x. Asked before every scene: a daemon that died is started again once.
 */
export async function requireDocker(): Promise<void> {
  await daemon.ensure();
  composeChecked ??= (async () => {
    const compose = await daxRunner.run([...COMPOSE, "version"], { timeoutMs: 20_000 });
    if (compose.code !== 0 || !/v?2\./.test(compose.stdout)) {
      throw new Error(
        "Docker Compose v2 is not available: run `deno task setup` " +
          "(or set AUTOSTACK_SKIP_DOCKER=1 to skip e2e tests)",
      );
    }
  })();
  await composeChecked;
}

/** A throwaway compose project in its own temp dir. */
export interface TestProject {
  /** Unique project name, `astest_<random>`. */
  name: string;
  /** The temp dir holding the compose file. */
  dir: string;
  /** Path of `compose.yaml`. */
  file: string;
  /** A target for {@link Compose} calls on this project. */
  target: ComposeTarget;
}

/** A unique compose project name for a test. */
export function uniqueProject(): string {
  return `astest_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/**
 * Writes `compose` (YAML text or an object) into a fresh temp dir, runs `fn`
 * on it, then takes the project down with `-v --remove-orphans` and removes
 * the dir, whether `fn` passed or threw.
 */
export async function withComposeProject<T>(
  compose: string | Record<string, unknown>,
  fn: (project: TestProject) => Promise<T>,
): Promise<T> {
  await requireDocker();
  const name = uniqueProject();
  const dir = await Deno.makeTempDir({ prefix: `${name}-` });
  const file = join(dir, "compose.yaml");
  await Deno.writeTextFile(file, typeof compose === "string" ? compose : YAML.stringify(compose));
  const project = {
    name,
    dir,
    file,
    target: { command: COMPOSE, project: name, dir, files: [file] },
  };
  try {
    return await fn(project);
  } finally {
    await downProject(name);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** `docker compose -p NAME down -v --remove-orphans`; throws if it fails. */
export async function downProject(name: string): Promise<void> {
  const r = await daxRunner.run([...COMPOSE, "-p", name, "down", "-v", "--remove-orphans"], {
    timeoutMs: 60_000,
  });
  if (r.code !== 0) throw new Error(`cleanup of compose project ${name} failed: ${r.stderr}`);
}

/** A service on the test image with no network and an init that forwards SIGTERM. */
export function service(command: string[], extra: Record<string, unknown> = {}) {
  return { image: TEST_IMAGE, init: true, network_mode: "none", command, ...extra };
}
