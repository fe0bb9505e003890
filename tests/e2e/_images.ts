/**
 * Helpers of the image-update e2e tests (docs/image-updates.md): a stack that
 * breaks on an image holding `/bad`, the image id each running container of a
 * project (or a swarm service) was made from, a registry for the length of a
 * test, a fresh marker that gives every build its own digest, how a pinned
 * version names its image, and the steps every mode's scenario takes alike
 * (a new digest not on this host; a broken digest rolled back and marked).
 * @module
 */
import assert from "node:assert/strict";
import { daxRunner } from "../../lib/process.ts";
import { LocalRegistry, type Pushed } from "./_registry.ts";
import { outcomeLines, type Scene } from "./_scene.ts";

/**
 * A stack running `image` that exits at once when the image holds `/bad`; its
 * healthcheck makes the gate wait for a probe, so a container that runs for a
 * moment before it exits is never taken for healthy. With `swarm`, one
 * replica updated at once with a short monitor, and the stack's own network
 * (Swarm ignores `network_mode`).
 */
export function imageCompose(image: string, options: { swarm?: boolean } = {}): string {
  const net = options.swarm ? "" : "    network_mode: none\n";
  const deploy = options.swarm
    ? "    deploy:\n      replicas: 1\n      update_config: {parallelism: 0, monitor: 1s}\n"
    : "";
  return `services:
  app:
    image: ${image}
    init: true
${net}    command: ["sh", "-c", "if [ -f /bad ]; then exit 3; fi; exec sleep 3600"]
    healthcheck:
      test: ["CMD-SHELL", "test ! -f /bad"]
      interval: 1s
      retries: 1
${deploy}`;
}

/**
 * What `format` says of each running container with `label` (`KEY=VALUE`):
 * `{{.Image}}` its image id, `{{.Config.Image}}` the reference it was made from.
 */
async function inspectRunning(label: string, format: string): Promise<string[]> {
  const ps = await daxRunner.run(["docker", "ps", "-q", "--filter", `label=${label}`]);
  const ids = ps.stdout.split("\n").filter((l) => l !== "");
  if (ids.length === 0) return [];
  const r = await daxRunner.run(["docker", "inspect", "--format", format, ...ids]);
  return r.stdout.split("\n").filter((l) => l !== "");
}

function imagesOf(label: string): Promise<string[]> {
  return inspectRunning(label, "{{.Image}}");
}

/** The image id of each running container of compose project `project`. */
export function runningImages(project: string): Promise<string[]> {
  return imagesOf(`com.docker.compose.project=${project}`);
}

/** The image reference each running container of compose project `project` was made from. */
export function runningRefs(project: string): Promise<string[]> {
  return inspectRunning(`com.docker.compose.project=${project}`, "{{.Config.Image}}");
}

/** The image id of each running task container of swarm service `service` (`STACK_SERVICE`). */
export function taskImages(service: string): Promise<string[]> {
  return imagesOf(`com.docker.swarm.service.name=${service}`);
}

/** Runs `fn` with a fresh registry on loopback, closed (its images removed) afterwards. */
export async function withRegistry(
  options: { auth?: boolean },
  fn: (registry: LocalRegistry) => Promise<void>,
): Promise<void> {
  const registry = await LocalRegistry.start(options);
  try {
    await fn(registry);
  } finally {
    await registry.close();
  }
}

/** A marker for {@link LocalRegistry.push}: a new image, so a new digest. */
export const marker = (): string => crypto.randomUUID().slice(0, 8);

/** `HOST/REPO@DIGEST`: how a pinned copy names the image. */
export const pinned = (p: Pushed): string => `${p.ref.replace(/:[^/:]*$/, "")}@${p.digest}`;

/** `image app: OLD… → NEW…` as the plan and the outcome say it. */
export const moved = (from: Pushed, to: Pushed): string =>
  `image app: ${from.digest.slice(0, 19)}… → ${to.digest.slice(0, 19)}…`;

/** The `image SERVICE DIGEST IMAGE` line of stack `name`'s version.txt, if any. */
export async function pinLine(
  s: Scene,
  name: string,
  folder?: string,
): Promise<string | undefined> {
  return (await s.version(name, folder)).find((l) => l.startsWith("image "));
}

/**
 * Pushes a new image behind `repo:stable` and forgets it locally, so the
 * next deploy must pull it by digest.
 */
export async function pushNotHere(registry: LocalRegistry, repo: string): Promise<Pushed> {
  const pushed = await registry.push(repo, "stable", marker());
  await registry.forget(pushed);
  return pushed;
}

/**
 * Pushes a broken image behind `repo:stable`, runs, and asserts that stack
 * `name` was rolled back (exit 1) and marked bad with that digest. Returns
 * the broken image.
 */
export async function rollsBackBroken(
  registry: LocalRegistry,
  s: Scene,
  name: string,
  repo: string,
): Promise<Pushed> {
  const broken = await registry.push(repo, "stable", marker(), true);
  const run = await s.run();
  assert.equal(run.code, 1);
  assert.equal(outcomeLines(run)[0]?.result, "rolled_back", run.stderr);
  const mark = (await s.bad())[name];
  assert.deepEqual(mark?.images, [{ service: "app", image: broken.ref, digest: broken.digest }]);
  return broken;
}
