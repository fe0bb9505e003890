/**
 * Times in tables: the host's local time with its offset (`2026-03-01
 * 11:00:00 +01:00`), or `UTC` when the host runs on UTC, so a time is never
 * read in the wrong zone. JSON keeps ISO 8601 with `Z` (docs/json-output.md).
 * @module
 */

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * `iso` in local time with its offset. `offsetOf` gives the zone's offset from
 * UTC in minutes east at that instant (the default: this host's, as `TZ` says).
 * A value that is not a time is shown as it is. Pure given `offsetOf`.
 */
export function localTime(
  iso: string,
  offsetOf: (at: Date) => number = (at) => -at.getTimezoneOffset(),
): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const offset = offsetOf(at);
  const local = new Date(at.getTime() + offset * 60_000);
  const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${
    pad(local.getUTCDate())
  }`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${
    pad(local.getUTCSeconds())
  }`;
  if (offset === 0) return `${date} ${time} UTC`;
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${date} ${time} ${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
