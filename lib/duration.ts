/**
 * Durations as operators write them (`90`, `90s`, `2m`, `1h`, `2d`, `500ms`): a
 * bare number is seconds. Parsed once at the boundary into milliseconds.
 * @module
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;

/**
 * Parses a duration into milliseconds, or returns `undefined` when the value is
 * not one. Numbers are seconds; strings take an optional unit `ms`, `s`, `m`, `h`, `d`.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  }
  if (typeof value !== "string") return undefined;
  const match = PATTERN.exec(value.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNITS[match[2] ?? "s"]!);
}

/**
 * Formats milliseconds for humans: `850ms`, `12.3s`, `2m05s`. The value is
 * rounded to the precision shown before it is split into units, so a rounding
 * carry moves up a unit (`59_960` is `1m00s`, not `60.0s`; `119_700` is
 * `2m00s`, not `1m60s`).
 */
export function formatDuration(ms: number): string {
  const whole = Math.round(ms);
  if (whole < 1000) return `${whole}ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
}

/**
 * Formats milliseconds as a setting is written: the largest unit that divides
 * it (`2d`, `36h`, `3s`, `1500ms`), so a message quotes `image_min_age 2d`, not
 * `2880m00s`.
 */
export function formatSetting(ms: number): string {
  const units: [string, number][] = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], [
    "s",
    1000,
  ]];
  for (const [unit, size] of units) if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
