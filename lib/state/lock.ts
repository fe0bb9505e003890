/**
 * The run lock, `base_dir/autostack.lock` (docs/how-it-works.md#state): one run
 * at a time. The file is created with O_EXCL and holds
 * `{pid, hostname, started}`; a lock whose process is gone (kill -9, reboot)
 * is taken over with a warning, so a killed run never blocks cron for good.
 * @module
 */
import { z } from "zod";
import { LockedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { writeAll } from "../fsutil.ts";

/** What {@link acquireLock} needs to know about this run. */
export interface LockOptions {
  /** This process's id (`Deno.pid`). */
  pid: number;
  /** This host's name (`Deno.hostname()`). */
  hostname: string;
  /** The clock, for `started` and the age of an unreadable lock file. */
  now: () => Date;
  /** Where the takeover warning goes. */
  logger: Logger;
  /** Whether a process of this host is alive; defaults to {@link processAlive}. */
  isAlive?: (pid: number) => boolean;
  /** How old an empty or unreadable lock file must be to count as abandoned (default 10 s). */
  staleAfterMs?: number;
}

/** A lock this run holds. */
export interface Lock {
  /** Removes the lock file, if it is still ours; safe to call twice. */
  release(): Promise<void>;
}

const Holder = z.object({
  pid: z.number().int().positive(),
  hostname: z.string(),
  started: z.string(),
});
type Holder = z.infer<typeof Holder>;

/** Lock files this process holds: the same pid in a file we do not hold is a previous life. */
const heldHere = new Set<string>();

/**
 * Takes the lock at `path` or throws {@link LockedError} naming the run that
 * holds it. A lock left by a dead process of this host, or an unreadable one
 * older than `staleAfterMs`, is taken over with a warning.
 */
export async function acquireLock(path: string, options: LockOptions): Promise<Lock> {
  const mine: Holder = {
    pid: options.pid,
    hostname: options.hostname,
    started: options.now().toISOString(),
  };
  // A few rounds: between our failed create and our read, the holder may finish.
  for (let round = 0; round < 5; round++) {
    if (await createLockFile(path, mine)) {
      heldHere.add(path);
      return { release: () => releaseLock(path, mine) };
    }
    const seen = await readLockFile(path);
    if (seen === undefined) continue;
    checkAbandoned(path, seen, options);
    await takeOver(path, seen.text, options.logger);
  }
  throw new LockedError(`could not take ${path}: other runs keep racing for it`);
}

/** Creates the lock file with O_EXCL; `false` when it exists. */
async function createLockFile(path: string, holder: Holder): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { write: true, createNew: true, mode: 0o644 });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  }
  try {
    await writeAll(file, new TextEncoder().encode(JSON.stringify(holder) + "\n"));
  } finally {
    file.close();
  }
  return true;
}

interface Seen {
  text: string;
  holder: Holder | undefined;
  mtime: Date | null;
}

/** Reads the lock file; `undefined` when it vanished since we tried to create it. */
async function readLockFile(path: string): Promise<Seen | undefined> {
  try {
    const [text, info] = await Promise.all([Deno.readTextFile(path), Deno.stat(path)]);
    return { text, holder: parseHolder(text), mtime: info.mtime };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const parsed = Holder.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Throws {@link LockedError} unless the lock `seen` was left by a run that is gone. */
function checkAbandoned(path: string, seen: Seen, options: LockOptions): void {
  const { holder } = seen;
  if (holder === undefined) {
    // Empty or torn: a run killed between create and write, or one writing right now.
    const age = seen.mtime === null ? Infinity : options.now().getTime() - seen.mtime.getTime();
    if (age < (options.staleAfterMs ?? 10_000)) {
      throw new LockedError(`another run is taking ${path} (its content is not written yet)`);
    }
    options.logger.warn(
      `taking over the unreadable lock file ${path} (last written ${
        seen.mtime?.toISOString() ?? "at an unknown time"
      })`,
    );
    return;
  }
  if (isHolderAlive(path, holder, options)) {
    throw new LockedError(
      `another run holds ${path} (pid ${holder.pid} on ${holder.hostname}, since ${holder.started})`,
    );
  }
  options.logger.warn(`taking over the lock of dead process ${holder.pid}`);
}

function isHolderAlive(path: string, holder: Holder, options: LockOptions): boolean {
  // We cannot see the processes of another host (a shared base_dir): assume it runs.
  if (holder.hostname !== options.hostname) return true;
  // Our own pid in a lock we do not hold: a previous life of a container whose pid is always 1.
  if (holder.pid === options.pid) return heldHere.has(path);
  return (options.isAlive ?? processAlive)(holder.pid);
}

/**
 * Removes the abandoned lock whose content was `text`. It is first renamed to
 * a private name, which only one of several racing runs can do; if what we
 * renamed is not what we judged (a new holder slipped in), it is put back.
 */
async function takeOver(path: string, text: string, logger: Logger): Promise<void> {
  const aside = `${path}.${crypto.randomUUID()}.stale`;
  try {
    await Deno.rename(path, aside);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if ((await Deno.readTextFile(aside)) !== text) {
    try {
      await Deno.link(aside, path);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      logger.warn(`a lock file of another run was replaced while taking over ${path}`);
    }
  }
  await Deno.remove(aside);
}

async function releaseLock(path: string, mine: Holder): Promise<void> {
  heldHere.delete(path);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  const holder = parseHolder(text);
  // Taken over by another run (we were thought dead): that lock is not ours to remove.
  if (holder?.pid !== mine.pid || holder.hostname !== mine.hostname) return;
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Whether process `pid` of this host exists, from `/proc`. Without `/proc`
 * (not Linux) it cannot tell and says yes, so a live run is never taken over.
 */
export function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) return true;
    try {
      Deno.statSync("/proc/self");
      return false;
    } catch {
      return true;
    }
  }
}
