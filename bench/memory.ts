/**
 * Memory: the peak RSS (VmHWM, read from /proc while the child runs) of
 * `autostack run` with 300 deployed stacks: a no-op run beside the same run
 * with 10 stacks (so growth with N shows), and a run that redeploys one of the
 * 300 beside the no-op. The set-up run that deployed all 300 at once (jobs 8)
 * is reported too. Target: ≤ 120 MiB.
 * @module
 */
import { alternate, atMost, autostack, type Comparison, expectCode, log, side } from "./_lib.ts";
import type { Fleet } from "./noop.ts";

/** The peak RSS target, in MiB. */
export const MEMORY_TARGET = 120;

const mib = (v: number) => `${v.toFixed(0)} MiB`;

/** Runs the memory benchmark on `fleet` (its largest and smallest sizes). */
export async function benchMemory(fleet: Fleet, rounds: number): Promise<Comparison[]> {
  const sizes = [...fleet.bySize.keys()];
  const large = Math.max(...sizes);
  const small = Math.min(...sizes);
  const peak = (size: number, change = false) => async (round: number) => {
    if (change) await fleet.touchLast(round);
    const run = await autostack(fleet.bySize.get(size)!.ws, ["run"], { rss: true });
    expectCode(run, `memory run with ${size} stacks`);
    if (change && !/\bdeployed\b/.test(run.stdout)) {
      throw new Error(`memory: the changed stack was not deployed: ${run.stdout}${run.stderr}`);
    }
    if (run.peakMiB === 0) throw new Error("could not read VmHWM of the autostack process");
    return run.peakMiB;
  };
  log(`memory: peak RSS of a no-op run, ${large} vs ${small} stacks`);
  const noop = await alternate(rounds, peak(large), peak(small), mib);
  log(`memory: peak RSS with ${large} stacks, one redeployed vs none`);
  const one = await alternate(rounds, peak(large, true), peak(large), mib);
  const setup = `set-up run deploying all ${fleet.deployed} stacks at once (jobs 8): peak ${
    mib(fleet.setup.peakMiB)
  } (not a target row: see the README)`;
  return [
    result("memory.noop", `peak RSS, no-op, ${large} stacks`, [
      side(`run, ${large} stacks`, noop.a, "MiB"),
      side(`run, ${small} stacks`, noop.b, "MiB"),
    ], [setup]),
    result("memory.deploy1", `peak RSS, ${large} stacks, 1 redeployed`, [
      side(`run, 1 of ${large} changed`, one.a, "MiB"),
      side(`run, ${large} unchanged`, one.b, "MiB"),
    ], []),
  ];
}

function result(
  id: string,
  title: string,
  [a, b]: [ReturnType<typeof side>, ReturnType<typeof side>],
  notes: string[],
): Comparison {
  return {
    id,
    title,
    a,
    b,
    ratio: a.median,
    ratioOf: "MiB",
    ...atMost(a.median, MEMORY_TARGET),
    notes,
  };
}
