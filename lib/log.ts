/**
 * The logger: one line per event on stderr, quiet by default so cron mails only
 * what matters. Modules take a {@link Logger} as a dependency, so tests can
 * pass their own.
 * @module
 */

/** Severity of a log line. */
export type Level = "debug" | "info" | "warn" | "error";

/** What every module logs through. */
export interface Logger {
  /** Details shown with `AUTOSTACK_LOG=debug`. */
  debug(message: string): void;
  /** Progress an operator may want in a log file. */
  info(message: string): void;
  /** Something odd that did not stop the work. */
  warn(message: string): void;
  /** A failure. */
  error(message: string): void;
}

const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Parses a level name, e.g. from `AUTOSTACK_LOG`; unknown names give `fallback`. */
export function parseLevel(value: string | undefined, fallback: Level = "warn"): Level {
  return value !== undefined && Object.hasOwn(ORDER, value) ? value as Level : fallback;
}

/**
 * The level `AUTOSTACK_LOG` asks for: unset or empty is `warn`; a name that is
 * not a level is `warn` too, with the warning to print once. Pure.
 */
export function levelFromEnv(value: string | undefined): { level: Level; warning?: string } {
  if (value === undefined || value === "" || Object.hasOwn(ORDER, value)) {
    return { level: parseLevel(value) };
  }
  return {
    level: "warn",
    warning: `AUTOSTACK_LOG=${JSON.stringify(value)} is not a level ` +
      `(${Object.keys(ORDER).join(", ")}): using warn`,
  };
}

/** A logger writing `autostack: warning: …` lines at or above `level` to `write`. */
export function streamLogger(
  level: Level,
  write: (line: string) => void,
): Logger {
  const emit = (at: Level, message: string) => {
    if (ORDER[at] < ORDER[level]) return;
    const prefix = at === "info" || at === "debug" ? "" : `${at === "warn" ? "warning" : at}: `;
    write(`autostack: ${prefix}${message}`);
  };
  return {
    debug: (m) => emit("debug", m),
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m) => emit("error", m),
  };
}
