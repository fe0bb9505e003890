/**
 * Swarm for the `mode: swarm` e2e tests: a one-node swarm (made when the
 * engine is in none), taken by one test at a time, the stack's tasks as Docker sees them, what each running
 * replica serves, and removing a stack until its containers are gone.
 * @module
 */
import { join } from "node:path";
import { socketEngine, Swarm } from "../../lib/docker/mod.ts";
import { daxRunner } from "../../lib/process.ts";
import { requireDocker, TEST_IMAGE } from "./_docker.ts";
import { type Scene, withScene } from "./_scene.ts";

/** The swarm of this process's engine, as autostack's own code sees it. */
export function realSwarm(): Swarm {
  return new Swarm(daxRunner, socketEngine(Deno.env.toObject()));
}

/** Docker with a swarm this engine manages (`docker swarm init` on loopback when there is none). */
export async function requireSwarm(): Promise<void> {
  await requireDocker();
  const info = await daxRunner.run(["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"]);
  if (info.stdout.trim() === "active") return;
  const init = await daxRunner.run(["docker", "swarm", "init", "--advertise-addr", "127.0.0.1"]);
  if (init.code !== 0) throw new Error(`docker swarm init failed: ${init.stderr}`);
}

/**
 * The file whose lock gives the swarm to one test at a time, across every
 * test process of this host: an autostack run that deploys swarm stacks takes
 * the swarm lock (`autostack-lock`), and a second run meeting it exits 75, as
 * a second manager's cron run would.
 */
const TURN_FILE = join(Deno.env.get("TMPDIR") ?? "/tmp", "autostack-e2e-swarm.lock");

/** Runs `fn` on a swarm this engine manages, when no other test runs autostack on it. */
export async function withSwarm<T>(fn: () => Promise<T>): Promise<T> {
  await requireSwarm();
  const turn = await Deno.open(TURN_FILE, { create: true, write: true });
  try {
    await turn.lock(true);
    return await fn();
  } finally {
    turn.close(); // and with it the lock
  }
}

/** Opens a scene on the swarm with one stack name, removing that stack at the end. */
export async function withSwarmStack(
  fn: (scene: Scene, name: string) => Promise<void>,
): Promise<void> {
  await withSwarm(() =>
    withScene({}, async (scene) => {
      const name = scene.name("sw");
      try {
        await fn(scene, name);
      } finally {
        await removeStack(name);
      }
    })
  );
}

/** `docker stack rm NAME`, then waits until its containers, networks, configs and secrets are gone. */
export async function removeStack(name: string): Promise<void> {
  await daxRunner.run(["docker", "stack", "rm", name]);
  const label = `label=com.docker.stack.namespace=${name}`;
  const lists = [["ps", "-aq"], ["network", "ls", "-q"], ["config", "ls", "-q"], [
    "secret",
    "ls",
    "-q",
  ]];
  for (let i = 0; i < 240; i++) {
    const left = await Promise.all(
      lists.map((list) => daxRunner.run(["docker", ...list, "--filter", label])),
    );
    if (left.every((r) => r.stdout.trim() === "")) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`stack ${name}: still there 60 s after docker stack rm`);
}

/** What each running replica of `STACK_SERVICE` serves (its `/w/v`), sorted; stopping ones left out. */
export async function servedBy(stack: string, service = "web"): Promise<string[]> {
  const ids = await daxRunner.run([
    "docker",
    "ps",
    "-q",
    "--filter",
    `label=com.docker.swarm.service.name=${stack}_${service}`,
    "--filter",
    "status=running",
  ]);
  const out: string[] = [];
  for (const id of ids.stdout.split("\n").filter((l) => l.trim() !== "")) {
    const r = await daxRunner.run(["docker", "exec", id, "cat", "/w/v"]);
    // An old task stopping after a start-first update serves no more.
    if (r.code !== 0 && /is not running/.test(r.stderr)) continue;
    out.push(r.code === 0 ? r.stdout.trim() : `(exec failed: ${r.stderr.trim()})`);
  }
  return out.sort();
}

/**
 * Waits until the running replicas serve `expected` (sorted): after a
 * start-first update the old tasks stop a moment after the new ones run.
 */
export async function waitServed(
  stack: string,
  expected: string[],
  timeoutMs = 20_000,
): Promise<string[]> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const seen = await servedBy(stack);
    if (JSON.stringify(seen) === JSON.stringify(expected) || performance.now() > end) return seen;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The service's update state as Swarm reports it (`completed`, `rollback_completed`, …, or ""). */
export async function updateState(stack: string, service = "web"): Promise<string> {
  const r = await daxRunner.run([
    "docker",
    "service",
    "inspect",
    `${stack}_${service}`,
    "--format",
    "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}",
  ]);
  return r.stdout.trim();
}

/**
 * A swarm stack file: `web`, `replicas` busybox replicas serving `version` at
 * `/w/v`, healthy only when `healthy`; updates all at once with a short
 * monitor, so a test waits seconds, not minutes; `update` adds to `update_config`.
 */
export function swarmCompose(
  version: string,
  opts: { replicas?: number; healthy?: boolean; update?: Record<string, string> } = {},
): string {
  const probe = opts.healthy === false ? "false" : "timeout 2 wget -qO- http://127.0.0.1:8080/v";
  const update = Object.entries({ parallelism: "0", monitor: "1s", ...opts.update })
    .map(([k, v]) => `        ${k}: ${v}`).join("\n");
  return `services:
  web:
    image: ${TEST_IMAGE}
    init: true
    command: ["sh", "-c", "mkdir -p /w && echo ${version} > /w/v && exec httpd -f -p 8080 -h /w"]
    healthcheck:
      test: ["CMD", "sh", "-c", "${probe}"]
      interval: 1s
      timeout: 3s
      retries: 2
      start_period: 1s
    deploy:
      replicas: ${opts.replicas ?? 2}
      update_config:
${update}
`;
}
