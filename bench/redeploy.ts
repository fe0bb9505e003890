/**
 * Redeploy overhead: `autostack run` (a fresh process, as cron starts it)
 * redeploying one changed web stack with the simple method, against the same
 * work done by hand in the stack's folder:
 * `docker compose down && docker compose up -d --wait`. Both stacks are the
 * same busybox web service (one bridge network, healthcheck every 1 s); each
 * round commits a change for autostack first, outside the timing.
 * Target: autostack / by hand ≤ 1.10.
 * @module
 */
import { join } from "node:path";
import {
  alternate,
  atMost,
  type Comparison,
  log,
  must,
  redeploy,
  side,
  tempDir,
  uniquePrefix,
  webStack,
} from "./_lib.ts";

/** The redeploy target: autostack's time over the by-hand time. */
export const REDEPLOY_TARGET = 1.1;

/** Runs the redeploy benchmark for `rounds` rounds. */
export async function benchRedeploy(rounds: number): Promise<Comparison> {
  const prefix = uniquePrefix();
  log(`redeploy: setting up ${prefix}web (autostack) and ${prefix}hand (by hand)`);
  const stack = await webStack(prefix);
  const hand = join(await tempDir(prefix), `${prefix}hand`);
  await Deno.mkdir(hand);
  await Deno.writeTextFile(join(hand, "compose.yaml"), stack.compose(-1));
  await must(["docker", "compose", "up", "-d", "--wait"], { cwd: hand });
  // One untimed redeploy of each warms caches (deno's module cache, docker's image layers).
  await redeploy(stack, -2);
  await byHand(hand);

  const times = await alternate(
    rounds,
    async (round) => {
      const run = await redeploy(stack, round);
      if (!/\bdeployed\b.*\bhealthy\b/.test(run.stdout)) {
        throw new Error(`redeploy round ${round + 1}: not deployed: ${run.stdout}`);
      }
      return run.ms;
    },
    () => byHand(hand),
  );
  const a = side("autostack run", times.a);
  const b = side("down && up -d --wait", times.b);
  const ratio = a.median / b.median;
  return {
    id: "redeploy",
    title: "redeploy 1 web stack",
    a,
    b,
    ratio,
    ratioOf: "A/B",
    ...atMost(ratio, REDEPLOY_TARGET),
    notes: [],
  };
}

/** The by-hand redeploy, timed. */
async function byHand(dir: string): Promise<number> {
  const done = await must(["sh", "-c", "docker compose down && docker compose up -d --wait"], {
    cwd: dir,
  });
  return done.ms;
}
