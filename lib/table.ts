/**
 * Aligned text tables for human output (`status`, `history`, the plan): columns
 * padded to their widest cell, two spaces apart, trailing spaces trimmed.
 * @module
 */

/** Formats rows (the first is usually the header) as aligned lines. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, cell.length));
  }
  return rows.map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]!)).join("  ")
      .trimEnd()
  );
}

/** The first 7 characters of a hash, as git shows it; `-` when there is none. */
export function short(hash: string | undefined): string {
  return hash ? hash.slice(0, 7) : "-";
}
