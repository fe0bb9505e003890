/**
 * Swarm redeploy overhead: `autostack run` (a fresh process, as cron starts
 * it) redeploying one changed `mode: swarm` stack, against the same work done
 * by hand: `docker stack deploy`, then polling the service's current tasks
 * (`docker service ps --filter _up-to-date=true`) every 0.25 s until the new
 * ones run healthy. Both stacks are the same two-replica busybox web service
 * (all replicas updated at once, monitor 1 s); each round changes an
 * environment variable, so every task is replaced. The healthcheck is checked
 * every second until a task is healthy (`start_interval`), then every 30 s, as
 * a real service's would be: checked every second all along, the four
 * replicas' checks kept a third of this 2-core host busy, and the figure
 * measured the host's load more than either side (docs/performance.md#swarm).
 * Target: autostack / by hand ≤ 1.10.
 * @module
 */
import { join } from "node:path";
import YAML from "yaml";
import {
  alternate,
  atMost,
  autostack,
  cleanup,
  type Comparison,
  expectCode,
  fixture,
  IMAGE,
  log,
  must,
  sh,
  side,
  tempDir,
  uniquePrefix,
} from "./_lib.ts";

/** The swarm target: autostack's time over the by-hand time. */
export const SWARM_TARGET = 1.1;

const REPLICAS = 2;

/**
 * The stack file of round `round`: two healthy replicas whose spec changes
 * every round. A new task is checked every second until healthy (Docker 25+
 * checks at `start_interval` while a task starts), then every 30 s.
 */
function swarmCompose(round: number): string {
  return `services:
  web:
    image: ${IMAGE}
    init: true
    command: ["sh", "-c", "mkdir -p /w && echo ok > /w/v && exec httpd -f -p 8080 -h /w"]
    environment:
      ROUND: "${round}"
    healthcheck:
      test: ["CMD", "sh", "-c", "timeout 2 wget -qO- http://127.0.0.1:8080/v"]
      interval: 30s
      start_period: 10s
      start_interval: 1s
    deploy:
      replicas: ${REPLICAS}
      update_config: { parallelism: 0, monitor: 1s }
`;
}

/** Runs the swarm benchmark for `rounds` rounds. */
export async function benchSwarm(rounds: number): Promise<Comparison> {
  const state = await sh(["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"]);
  if (state.stdout.trim() !== "active") {
    await must(["docker", "swarm", "init", "--advertise-addr", "127.0.0.1"]);
  }
  const prefix = uniquePrefix();
  const name = `${prefix}web`;
  const handName = `${prefix}hand`;
  log(`swarm: setting up ${name} (autostack) and ${handName} (by hand)`);
  const settings = YAML.stringify({ mode: "swarm", health_timeout: "120s" });
  const { repo, ws } = await fixture(prefix, {
    [`${name}/compose.yaml`]: swarmCompose(-2),
    [`${name}/deploy.yaml`]: settings,
  });
  for (const stack of [name, handName]) {
    cleanup.add(`swarm stack ${stack}`, () => sh(["docker", "stack", "rm", stack]));
  }
  expectCode(await autostack(ws, ["run"]), "first deploy");
  const hand = join(await tempDir(prefix), "compose.yaml");
  await byHand(hand, handName, -2);

  const times = await alternate(
    rounds,
    async (round) => {
      await repo.commit({ [`${name}/compose.yaml`]: swarmCompose(round) });
      const run = await autostack(ws, ["run"]);
      expectCode(run, `swarm round ${round + 1}`);
      if (!/\bdeployed\b.*\bhealthy\b/.test(run.stdout)) {
        throw new Error(`swarm round ${round + 1}: not deployed: ${run.stdout}${run.stderr}`);
      }
      return run.ms;
    },
    (round) => byHand(hand, handName, round),
  );
  const a = side("autostack run", times.a);
  const b = side("stack deploy + poll", times.b);
  const ratio = a.median / b.median;
  return {
    id: "swarm",
    title: "redeploy 1 swarm stack",
    a,
    b,
    ratio,
    ratioOf: "A/B",
    ...atMost(ratio, SWARM_TARGET),
    notes: [],
  };
}

/**
 * The by-hand swarm redeploy of round `round`, timed from `stack deploy` to
 * the new tasks running healthy (the file is written before the clock starts).
 */
async function byHand(file: string, stack: string, round: number): Promise<number> {
  await Deno.writeTextFile(file, swarmCompose(round));
  const started = performance.now();
  const deploy = ["docker", "stack", "deploy", "--resolve-image", "never", "-c", file, stack];
  // Sent again when Swarm's updater wrote the service meanwhile, as autostack does.
  for (let i = 0; (await sh(deploy)).code !== 0; i++) if (i === 2) await must(deploy);
  for (;;) {
    const ps = await must([
      "docker",
      "service",
      "ps",
      "--filter",
      "_up-to-date=true",
      "--filter",
      "desired-state=running",
      "--format",
      "{{.CurrentState}}",
      `${stack}_web`,
    ]);
    if (ps.stdout.split("\n").filter((l) => l.startsWith("Running")).length >= REPLICAS) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return performance.now() - started;
}
