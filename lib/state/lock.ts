/**
 * The run lock, `base_dir/autostack.lock` (docs/how-it-works.md#state): one run
 * at a time. The file holds `{pid, hostname, started, boot, start}`: it is
 * written whole to a temp file, checked, then hard-linked into place, so it
 * never exists half written. A lock whose holder cannot be alive (killed,
 * rebooted, its pid now another process's) is taken over with a warning, so a
 * killed run never blocks cron for good.
 * @module
 */
import { z } from "zod";
import { AutostackError, errorMessage, LockedError } from "../errors.ts";
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
  /**
   * Whether a process of this host is alive, for a lock without boot id and
   * start time (written by an older autostack); defaults to {@link processAlive}.
   */
  isAlive?: (pid: number) => boolean;
  /** What the lock reads of `/proc`; defaults to {@link procInfo}. */
  proc?: ProcInfo;
  /** Writes the new lock file's bytes; tests inject a full disk. Defaults to a plain write. */
  write?: (file: Deno.FsFile, bytes: Uint8Array) => Promise<void>;
}

/** What the lock reads of `/proc` to tell its holder from a process that reuses its pid. */
export interface ProcInfo {
  /** This boot's id (`/proc/sys/kernel/random/boot_id`); `undefined` when it cannot be read. */
  bootId(): string | undefined;
  /**
   * When process `pid` started, in clock ticks since boot (field 22 of
   * `/proc/PID/stat`); `null` when there is no such process (or only its
   * zombie), `undefined` when it cannot tell (no `/proc`).
   */
  startTime(pid: number): number | null | undefined;
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
  // Absent in locks of older versions, and where /proc cannot be read.
  boot: z.string().optional(),
  start: z.number().int().nonnegative().optional(),
});
type Holder = z.infer<typeof Holder>;

/** Lock files this process holds: the same pid in a file we do not hold is a previous life. */
const heldHere = new Set<string>();

/**
 * Takes the lock at `path` or throws {@link LockedError} naming the run that
 * holds it. A lock whose holder on this host cannot be alive, or an empty or
 * unreadable one (never a live run's: the file appears whole), is taken over
 * with a warning. Throws {@link AutostackError} when the lock file cannot be
 * written (a full disk); no lock file is left behind then.
 */
export async function acquireLock(path: string, options: LockOptions): Promise<Lock> {
  const proc = options.proc ?? procInfo;
  const boot = proc.bootId();
  const start = proc.startTime(options.pid);
  const mine: Holder = {
    pid: options.pid,
    hostname: options.hostname,
    started: options.now().toISOString(),
    ...(boot !== undefined && typeof start === "number" ? { boot, start } : {}),
  };
  // A few rounds: between our failed create and our read, the holder may finish.
  for (let round = 0; round < 5; round++) {
    if (await createLockFile(path, mine, options.write ?? writeAll)) {
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

/**
 * Creates the lock file; `false` when it exists. The content goes to a temp
 * file first and is read back: a lock file that is empty or torn (a full
 * disk) would block the next runs, so a failed write leaves nothing behind.
 * The hard link then puts it in place whole, and fails when a lock exists.
 */
async function createLockFile(
  path: string,
  holder: Holder,
  write: NonNullable<LockOptions["write"]>,
): Promise<boolean> {
  const text = JSON.stringify(holder) + "\n";
  const temp = `${path}.${crypto.randomUUID()}.new`;
  try {
    const file = await Deno.open(temp, { write: true, createNew: true, mode: 0o644 });
    try {
      await write(file, new TextEncoder().encode(text));
    } finally {
      file.close();
    }
    const written = await Deno.readTextFile(temp);
    if (written !== text) {
      throw new Error(`${written.length} of ${text.length} bytes written (is the disk full?)`);
    }
  } catch (error) {
    await removeQuietly(temp);
    throw new AutostackError(`cannot write the lock file ${path}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  try {
    await Deno.link(temp, path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    // E.g. a file system without hard links: base_dir must be on one that has them.
    throw new AutostackError(`cannot create the lock file ${path}: ${errorMessage(error)}`, {
      cause: error,
    });
  } finally {
    await removeQuietly(temp);
  }
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
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
    // A live run's lock appears whole (see createLockFile): this one was never finished,
    // e.g. written by an older version on a full disk.
    options.logger.warn(
      `taking over the empty or unreadable lock file ${path} (last written ${
        seen.mtime?.toISOString() ?? "at an unknown time"
      })`,
    );
    return;
  }
  const gone = holderGone(path, holder, options);
  if (gone === undefined) {
    throw new LockedError(
      `another run holds ${path} (pid ${holder.pid} on ${holder.hostname}, since ${holder.started})`,
    );
  }
  options.logger.warn(`taking over the lock of process ${holder.pid}: ${gone}`);
}

/** Why the holder cannot be alive, or `undefined` when it may be. */
function holderGone(path: string, holder: Holder, options: LockOptions): string | undefined {
  // We cannot see the processes of another host (a shared base_dir): assume it runs.
  if (holder.hostname !== options.hostname) return undefined;
  // Our own pid in a lock we do not hold: a previous life of a container whose pid is always 1.
  if (holder.pid === options.pid) return heldHere.has(path) ? undefined : "it is gone";
  const proc = options.proc ?? procInfo;
  const boot = holder.boot === undefined ? undefined : proc.bootId();
  if (holder.boot !== undefined && holder.start !== undefined && boot !== undefined) {
    if (boot !== holder.boot) return "it ran before a reboot";
    const start = proc.startTime(holder.pid);
    if (start === null) return "it is gone";
    if (typeof start === "number") {
      return start === holder.start
        ? undefined
        : `it is gone, pid ${holder.pid} is now another process`;
    }
  }
  // A lock of an older version, or no /proc: the pid is all we can check.
  return (options.isAlive ?? processAlive)(holder.pid) ? undefined : "it is gone";
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

/** {@link ProcInfo} from this host's `/proc`. */
export const procInfo: ProcInfo = {
  bootId() {
    try {
      return Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim() || undefined;
    } catch {
      return undefined;
    }
  },
  startTime(pid) {
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) return undefined;
      return processAlive(pid) ? undefined : null;
    }
    return parseStartTime(stat);
  },
};

/**
 * The start time (field 22) of a `/proc/PID/stat` line; `null` for a zombie,
 * which holds no lock any more. The name in field 2 may hold spaces and
 * parentheses, so fields are counted from the last `)`.
 */
export function parseStartTime(stat: string): number | null | undefined {
  const fields = stat.slice(stat.lastIndexOf(")") + 1).trim().split(/\s+/);
  // fields[0] is field 3 (the state), so field 22 is fields[19].
  if (fields[0] === "Z" || fields[0] === "X") return null;
  const start = Number(fields[19]);
  return Number.isSafeInteger(start) && start >= 0 ? start : undefined;
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
