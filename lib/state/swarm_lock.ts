/**
 * The swarm lock (docs/swarm.md#two-managers-one-deploy-at-a-time): one
 * autostack run at a time deploys swarm stacks, across every manager of a
 * swarm. The per-host run lock (`lock.ts`) cannot see a run on another
 * manager; this one lives in the swarm. It is a swarm config, `autostack-lock`:
 * config names are unique and creating one of a name that exists (the engine
 * API's `POST /configs/create`, what `docker config create` sends) fails with
 * 409 atomically through the managers' Raft store, so whoever creates it holds
 * the lock. Its content is the lease (`{host, pid, taken, expires}`), readable
 * back with `docker config inspect`. The engine is asked directly: a CLI
 * process for each of these steps would cost a tenth of a second.
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
import { LockedError } from "../errors.ts";
import type { Logger } from "../log.ts";

/** The name of the swarm config that is the lock. */
export const SWARM_LOCK_NAME = "autostack-lock";

/** The label on the lock config, so that `docker config ls --filter label=…` finds it. */
export const SWARM_LOCK_LABEL = "io.autostack.lock";

/** What the lock config holds. */
export const SwarmLeaseSchema = z.object({
  host: z.string(),
  pid: z.number().int(),
  taken: z.string(),
  expires: z.string(),
});

/** Who holds the swarm lock, and until when (ISO 8601 times). */
export type SwarmLease = z.infer<typeof SwarmLeaseSchema>;

/**
 * The swarm's configs as the lock uses them (the `Swarm` of lib/docker):
 * create one (`exists` when its name is taken), read one by name, remove one
 * by ID. Each throws when the swarm refuses.
 */
export interface SwarmConfigs {
  /** Creates config `name`; its ID, or `exists`. */
  createConfig(
    name: string,
    labels: Record<string, string>,
    data: string,
  ): Promise<{ id: string } | "exists">;
  /** Config `name`'s ID and content, or `undefined` when there is none. */
  readConfig(name: string): Promise<{ id: string; data: string } | undefined>;
  /** Removes config `id` (`gone` when it was not there). */
  removeObject(kind: "config", id: string): Promise<"removed" | "in_use" | "gone">;
}

/** What {@link acquireSwarmLock} needs. */
export interface SwarmLockOptions {
  /** The configs of the swarm (a manager's). */
  configs: SwarmConfigs;
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

/** The lease in a lock config's content; `undefined` when it holds none. Pure. */
export function parseLease(data: string): SwarmLease | undefined {
  let lease: unknown;
  try {
    lease = JSON.parse(data);
  } catch {
    return undefined;
  }
  const narrowed = SwarmLeaseSchema.safeParse(lease);
  return narrowed.success ? narrowed.data : undefined;
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
    const labels = { [SWARM_LOCK_LABEL]: "1" };
    const created = await opts.configs.createConfig(name, labels, JSON.stringify(lease));
    if (created !== "exists") return heldLock(opts, created.id, lease);
    const found = await opts.configs.readConfig(name);
    if (found === undefined) continue; // released in between: try again
    const held = parseLease(found.data);
    if (held === undefined) {
      throw new LockedError(
        `the swarm config "${name}" holds no autostack lease: remove it with ` +
          `docker config rm ${name} if no autostack run uses it`,
      );
    }
    const expired = leaseExpired(held, opts.now());
    if (!expired && !opts.holderGone?.(held)) {
      throw new LockedError(
        `another autostack run holds the swarm lock: host ${held.host}, pid ${held.pid}, until ${held.expires}`,
      );
    }
    opts.logger.warn(
      `taking over the swarm lock of host ${held.host}, pid ${held.pid}: ` +
        (expired ? `its lease ran out at ${held.expires}` : "that run is gone"),
    );
    // By its ID: gone already means another run took it over first.
    await opts.configs.removeObject("config", found.id);
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
      // Gone: the lease ran out and another run took it over (and maybe released it).
      await opts.configs.removeObject("config", id);
      released = true;
    },
  };
}
