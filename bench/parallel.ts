/**
 * Parallel deploys: 8 changed stacks that each take 3 s to become healthy
 * (healthcheck `test -f /ready` every 1 s; the image has no /tmp), deployed by
 * `autostack run` with `jobs: 4` against the same with `jobs: 1`. The file
 * appears after `sleep 2.5`, so the probe at 3 s is the first to pass: with
 * `sleep 3` the file races that probe, and a stack takes 3 s when the machine
 * is idle but 4 s when it is busy, which is when several deploy at once.
 * Each side has its own 8 stacks; every round commits a change to all of them
 * first, and the side that just ran is stopped after it, both outside the
 * timing. The outcomes of both sides must be the same (stack for stack,
 * result and message). Target: jobs 1 / jobs 4 ≥ 3.
 * @module
 */
import {
  alternate,
  atLeast,
  autostack,
  type Comparison,
  expectCode,
  type Fixture,
  fixture,
  IMAGE,
  log,
  side,
  stopProjects,
  uniquePrefix,
} from "./_lib.ts";

/** How many stacks each run deploys. */
export const STACKS = 8;

/** The speed-up target of 4 jobs over 1. */
export const PARALLEL_TARGET = 3;

/** A stack that becomes healthy 3 s after it starts; `round` makes each round's version new. */
export function slowCompose(round: number): string {
  return `services:
  app:
    image: ${IMAGE}
    init: true
    network_mode: none
    command: ["sh", "-c", "sleep 2.5; touch /ready; exec sleep 3600"]
    environment:
      ROUND: "${round}"
    healthcheck:
      test: ["CMD", "test", "-f", "/ready"]
      interval: 1s
      timeout: 2s
      retries: 3
`;
}

function files(prefix: string, round: number): Record<string, string> {
  return Object.fromEntries(
    Array.from(
      { length: STACKS },
      (_, i) => [`${prefix}p${i + 1}/compose.yaml`, slowCompose(round)],
    ),
  );
}

/** Outcome lines without the parts that differ between sides: `pN result message`. */
function outcomes(stdout: string, prefix: string): string[] {
  return stdout.split("\n").filter((l) => l.trim() !== "").map((line) => {
    const [stack = "", result = "", _commit, _time, ...message] = line.trim().split(/\s{2,}/);
    return [stack.replace(prefix, ""), result, message.join(" ")].join(" ");
  });
}

/** `8× deployed healthy`: the outcomes of one run, counted. */
function summary(lines: string[]): string {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const what = line.split(" ").slice(1).join(" ");
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts].map(([what, n]) => `${n}× ${what}`).join(", ");
}

/** Runs the parallel benchmark for `rounds` rounds. */
export async function benchParallel(rounds: number): Promise<Comparison> {
  const sides = new Map<number, { prefix: string; fx: Fixture }>();
  for (const jobs of [4, 1]) {
    const prefix = uniquePrefix();
    sides.set(jobs, { prefix, fx: await fixture(prefix, files(prefix, -1), { jobs: 8 }) });
  }
  log(`parallel: setting up 2 × ${STACKS} stacks`);
  for (const [jobs, { fx }] of sides) {
    expectCode(await autostack(fx.ws, ["run"]), "set-up deploy");
    await stopProjects(sides.get(jobs)!.prefix);
    await fx.ws.writeConfig({ repo: fx.repo.url, base_dir: "base", jobs });
  }
  const seen = new Map<number, string[][]>([[4, []], [1, []]]);
  const deploy = (jobs: number) => async (round: number) => {
    const { prefix, fx } = sides.get(jobs)!;
    await fx.repo.commit(files(prefix, round));
    const run = await autostack(fx.ws, ["run"]);
    expectCode(run, `jobs ${jobs}, round ${round + 1}`);
    seen.get(jobs)!.push(outcomes(run.stdout, prefix));
    // Untimed: stopped, its 8 healthchecks (a `docker exec` each second each) do
    // not load the machine while the other side runs. The next run still finds
    // the old version there, and takes it down.
    await stopProjects(prefix);
    return run.ms;
  };
  const times = await alternate(rounds, deploy(4), deploy(1));
  const same = JSON.stringify(seen.get(4)) === JSON.stringify(seen.get(1));
  const deployed = seen.get(4)!.every((r) =>
    r.length === STACKS && r.every((l) => /deployed/.test(l))
  );
  if (!same || !deployed) {
    throw new Error(`parallel: outcomes differ or failed:\n${JSON.stringify([...seen], null, 1)}`);
  }
  const a = side("jobs: 4", times.a);
  const b = side("jobs: 1", times.b);
  const speedUp = b.median / a.median;
  return {
    id: "parallel",
    title: `${STACKS} stacks, 3 s each`,
    a,
    b,
    ratio: speedUp,
    ratioOf: "B/A",
    ...atLeast(speedUp, PARALLEL_TARGET),
    notes: [`outcomes identical in every round, stack for stack: ${summary(seen.get(4)![0]!)}`],
  };
}
