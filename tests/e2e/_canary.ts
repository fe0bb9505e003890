/**
 * Helpers of the canary e2e tests: a web stack reached through a shared
 * (external) network alias, the network itself (created per test, always
 * removed), a client that asks the alias what version answers, and a watch
 * that polls a container's state while a deploy runs.
 * @module
 */
import assert from "node:assert/strict";
import { daxRunner } from "../../lib/process.ts";
import { downProject, requireDocker, TEST_IMAGE } from "./_docker.ts";
import { containersOf, type Scene, withScene } from "./_scene.ts";

/** The alias every copy of the test stack answers to on the shared network. */
export const ALIAS = "app";

/** A busybox web stack on the shared network `net` that serves `version` on port 8080. */
export function canaryCompose(
  net: string,
  version: string,
  options: { probe?: string; command?: string; extra?: string } = {},
): string {
  const serve =
    `mkdir -p /www && echo ${version} > /www/index.html && exec httpd -f -p 8080 -h /www`;
  const probe = options.probe ?? "timeout 1 wget -qO- http://127.0.0.1:8080/ >/dev/null";
  return `services:
  web:
    image: ${TEST_IMAGE}
    init: true
    command: ["sh", "-c", ${JSON.stringify(options.command ?? serve)}]
    healthcheck:
      test: ["CMD", "sh", "-c", ${JSON.stringify(probe)}]
      interval: 1s
      timeout: 2s
      retries: 1
    networks:
      shared:
        aliases: [${ALIAS}]
${options.extra ?? ""}networks:
  shared:
    external: true
    name: ${net}
`;
}

/** Canary settings with short waits, for `stackFiles`. */
export const CANARY = { method: "canary", canary_soak: "2s", drain: "1s", health_timeout: "5s" };

/**
 * Runs `fn` in a scene with a fresh shared network; afterwards takes down
 * both projects of every stack name in `names` (the test pushes them) and
 * removes the network.
 */
export async function withCanaryScene(
  fn: (s: Scene, net: string, names: string[]) => Promise<void>,
): Promise<void> {
  await requireDocker();
  const net = `astest_net_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const made = await daxRunner.run(["docker", "network", "create", net]);
  assert.equal(made.code, 0, made.stderr);
  const names: string[] = [];
  // The test's own failure wins; a network left behind fails a passing test.
  const result = await withScene({}, async (s) => {
    try {
      await fn(s, net, names);
    } finally {
      for (const name of names) await downProject(`${name}-canary`);
    }
  }).then(() => undefined, (error: unknown) => ({ error }));
  const removed = await daxRunner.run(["docker", "network", "rm", net]);
  if (result !== undefined) throw result.error;
  if (removed.code !== 0) throw new Error(`cannot remove network ${net}: ${removed.stderr}`);
}

/** What answers to the alias on `net` (one request from a throwaway client container). */
export async function askAlias(net: string): Promise<string> {
  const r = await daxRunner.run([
    "docker",
    "run",
    "--rm",
    "--network",
    net,
    TEST_IMAGE,
    "timeout",
    "3",
    "wget",
    "-qO-",
    `http://${ALIAS}:8080/`,
  ], { timeoutMs: 30_000 });
  return r.code === 0 ? r.stdout.trim() : `error ${r.code}: ${r.stderr.trim()}`;
}

/** The projects of `name` that have containers, with how many run. */
export async function copiesOf(name: string): Promise<Record<string, number>> {
  const copies: Record<string, number> = {};
  for (const project of [name, `${name}-canary`]) {
    const containers = await containersOf(project);
    if (containers.length > 0) {
      copies[project] = containers.filter((c) => c.state === "running").length;
    }
  }
  return copies;
}

/**
 * Polls the state of container `id` (of `project`) every 100 ms until `done`
 * settles, and returns every state seen that was not running and healthy.
 */
export async function watchServing(
  project: string,
  id: string,
  done: Promise<unknown>,
): Promise<string[]> {
  let finished = false;
  done.finally(() => finished = true).catch(() => {});
  const bad: string[] = [];
  let looks = 0;
  while (!finished) {
    const c = (await containersOf(project)).find((x) => x.id === id);
    looks++;
    if (!c || c.state !== "running" || c.health !== "healthy") {
      bad.push(c ? `${c.state}/${c.health}` : "gone");
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(looks > 3, `only ${looks} looks at the old container`);
  return bad;
}
