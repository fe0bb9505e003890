/**
 * The swarm lock (docs/swarm.md#two-managers-one-deploy-at-a-time): one
 * autostack run at a time deploys swarm stacks, across every manager of a
 * swarm. The per-host run lock (`lock.ts`) cannot see a run on another
 * manager; this one lives in the swarm. It is a swarm config, `autostack-lock`:
 * config names are unique and `docker config create` of a name that exists
 * fails ("already exists") atomically through the managers' Raft store, so
 * whoever creates it holds the lock. Its content is the lease
 * (`{host, pid, taken, expires}`), readable back with `docker config inspect`.
 * A config cannot change, so a lease is never renewed: the holder checks
 * {@link SwarmLock.covers} before each step and stops when the lease would not
 * cover it. An expired lease is taken over by removing that config **by its
 * ID**: of two runs that found the same expired lease, the second one's `rm`
 * then misses (the ID is gone) and its `create` meets the first one's new
 * lock, instead of deleting it. Release removes by ID too, so a holder whose
 * lease was taken over never removes its successor's lock.
 * @module
 */
import { z } from "zod";
import { AutostackError, daemonDown, DockerDownError, LockedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Runner, RunResult } from "../process.ts";

/** The name of the swarm config that is the lock. */
export const SWARM_LOCK_NAME = "autostack-lock";

/** The label on the lock config, so that `docker config ls --filter label=…` finds it. */
export const SWARM_LOCK_LABEL = "io.autostack.lock";

/** How long a docker call of the lock may take. */
const CALL_TIMEOUT_MS = 60_000;

/** What the lock config holds. */
export const SwarmLeaseSchema = z.object({
  host: z.string(),
  pid: z.number().int(),
  taken: z.string(),
  expires: z.string(),
});

/** Who holds the swarm lock, and until when (ISO 8601 times). */
export type SwarmLease = z.infer<typeof SwarmLeaseSchema>;

/** What {@link acquireSwarmLock} needs. */
export interface SwarmLockOptions {
  /** Runs `docker`. */
  runner: Runner;
  /** This host's name, written into the lease. */
  hostname: string;
  /** This process's id, written into the lease. */
  pid: number;
  /** The clock. */
  now: () => Date;
  /** How long a lease lasts, in ms: longer than any one step of a run, minutes against clock skew. */
  leaseMs: number;
  /** Where the takeover of an expired lease is said. */
  logger: Logger;
  /** The config's name; default {@link SWARM_LOCK_NAME} (tests use their own). */
  name?: string;
  /**
   * Whether the run that wrote a live lease is known to be gone (a run of this
   * host killed with -9): its lease is then taken over as an expired one is.
   */
  holderGone?: (lease: SwarmLease) => boolean;
}

/** A swarm lock this run holds. */
export interface SwarmLock {
  /** The lease written. */
  readonly lease: SwarmLease;
  /** Whether the lease still covers a step of `ms` from now. */
  covers(ms: number): boolean;
  /** Removes the lock if it is still this run's; safe to call twice. */
  release(): Promise<void>;
}

/** The lease of a run of `hostname`/`pid` taken at `now` for `leaseMs`. */
export function newLease(hostname: string, pid: number, now: Date, leaseMs: number): SwarmLease {
  const expires = new Date(now.getTime() + leaseMs).toISOString();
  return { host: hostname, pid, taken: now.toISOString(), expires };
}

/** Whether `lease` has run out at `now`. */
export function leaseExpired(lease: SwarmLease, now: Date): boolean {
  const expires = Date.parse(lease.expires);
  return Number.isNaN(expires) || expires <= now.getTime();
}

/** `docker config create` of the lock, its lease given on standard input. */
export function lockCreateArgs(name: string): string[] {
  return ["docker", "config", "create", "--label", `${SWARM_LOCK_LABEL}=1`, name, "-"];
}

/** `docker config inspect` of the lock. */
export function lockInspectArgs(name: string): string[] {
  return ["docker", "config", "inspect", name];
}

/** `docker config rm` of the lock by its ID, never by its name. */
export function lockRemoveArgs(id: string): string[] {
  return ["docker", "config", "rm", id];
}

const Inspected = z.array(z.object({ ID: z.string(), Spec: z.object({ Data: z.string() }) }));

/**
 * Reads `docker config inspect` of the lock: its ID and the lease it holds,
 * `lease: undefined` when the content is not a lease; `undefined` for no config.
 */
export function parseLockInspect(
  stdout: string,
): { id: string; lease: SwarmLease | undefined } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  const parsed = Inspected.safeParse(json);
  const config = parsed.success ? parsed.data[0] : undefined;
  if (config === undefined) return undefined;
  let lease: unknown;
  try {
    lease = JSON.parse(new TextDecoder().decode(base64Bytes(config.Spec.Data)));
  } catch {
    lease = undefined;
  }
  const narrowed = SwarmLeaseSchema.safeParse(lease);
  return { id: config.ID, lease: narrowed.success ? narrowed.data : undefined };
}

function base64Bytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * Takes the swarm lock, or throws {@link LockedError} naming the run that
 * holds it. An expired lease is taken over with a warning; a config of that
 * name that holds no lease is not touched (the error says how to remove it).
 */
export async function acquireSwarmLock(opts: SwarmLockOptions): Promise<SwarmLock> {
  const name = opts.name ?? SWARM_LOCK_NAME;
  // Twice: a takeover removes the expired lock, then creates anew; a third try would be a race lost.
  for (let attempt = 0; attempt < 2; attempt++) {
    const lease = newLease(opts.hostname, opts.pid, opts.now(), opts.leaseMs);
    const created = await run(opts.runner, lockCreateArgs(name), JSON.stringify(lease));
    if (created.code === 0) return heldLock(opts, created.stdout.trim(), lease);
    if (!/already exists/i.test(created.stderr)) fail(lockCreateArgs(name), created);
    const inspected = await run(opts.runner, lockInspectArgs(name));
    if (inspected.code !== 0) {
      if (/not found/i.test(inspected.stderr)) continue; // released in between: try again
      fail(lockInspectArgs(name), inspected);
    }
    const found = parseLockInspect(inspected.stdout);
    if (found === undefined) {
      throw new AutostackError(
        `cannot read docker config inspect ${name}: no config in its output`,
      );
    }
    if (found.lease === undefined) {
      throw new LockedError(
        `the swarm config "${name}" holds no autostack lease: remove it with ` +
          `docker config rm ${name} if no autostack run uses it`,
      );
    }
    const expired = leaseExpired(found.lease, opts.now());
    if (!expired && !opts.holderGone?.(found.lease)) {
      const { host, pid, expires } = found.lease;
      throw new LockedError(
        `another autostack run holds the swarm lock: host ${host}, pid ${pid}, until ${expires}`,
      );
    }
    opts.logger.warn(
      `taking over the swarm lock of host ${found.lease.host}, pid ${found.lease.pid}: ` +
        (expired ? `its lease ran out at ${found.lease.expires}` : "that run is gone"),
    );
    const removed = await run(opts.runner, lockRemoveArgs(found.id));
    if (removed.code !== 0 && !/not found/i.test(removed.stderr)) {
      fail(lockRemoveArgs(found.id), removed);
    }
  }
  throw new LockedError("another autostack run took the swarm lock at the same time");
}

function heldLock(opts: SwarmLockOptions, id: string, lease: SwarmLease): SwarmLock {
  let released = false;
  return {
    lease,
    covers: (ms) => opts.now().getTime() + ms < Date.parse(lease.expires),
    async release() {
      if (released) return;
      const r = await run(opts.runner, lockRemoveArgs(id));
      // Not found: the lease ran out and another run took it over (and maybe released it).
      if (r.code !== 0 && !/not found/i.test(r.stderr)) fail(lockRemoveArgs(id), r);
      released = true;
    },
  };
}

function run(runner: Runner, cmd: string[], stdin?: string): Promise<RunResult> {
  return runner.run(cmd, { timeoutMs: CALL_TIMEOUT_MS, ...(stdin === undefined ? {} : { stdin }) });
}

function fail(cmd: readonly string[], r: RunResult): never {
  const detail = r.stderr.trim().split("\n").slice(-3).join(" ");
  if (daemonDown(r.stderr)) throw new DockerDownError(detail);
  throw new AutostackError(`${cmd.slice(0, 3).join(" ")} failed (exit ${r.code}): ${detail}`);
}
