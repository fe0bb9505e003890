/**
 * How `autostack validate` shows what it found: aligned lines
 * `LEVEL  FILE:LINE  MESSAGE` grouped by stack and a one-line summary for
 * people, a JSON document for machines, and the exit code both share.
 * @module
 */
import { z } from "zod";
import { formatTable } from "../table.ts";
import type { Finding } from "./_model.ts";
import type { StackFolder } from "./_find.ts";

/** What the report functions need of a validation (a `ValidateReport`). */
export interface ReportInput {
  /** The checkout, absolute. */
  root: string;
  /** The stacks found. */
  stacks: readonly StackFolder[];
  /** Every finding, in output order. */
  findings: readonly Finding[];
}

/** Counts of a validation. */
export interface Summary {
  /** Stacks checked. */
  stacks: number;
  /** Findings that fail the check. */
  errors: number;
  /** Findings that fail it only with `--strict`. */
  warnings: number;
  /** Findings that never fail it (a check that could not be made). */
  notes: number;
}

/** Counts the findings of a report. */
export function summarize(report: ReportInput): Summary {
  const count = (level: Finding["level"]) =>
    report.findings.filter((f) => f.level === level).length;
  return {
    stacks: report.stacks.length,
    errors: count("error"),
    warnings: count("warning"),
    notes: count("note"),
  };
}

/** 0 when nothing fails; 1 on an error, or on a warning with `--strict`. */
export function exitCode(report: ReportInput, strict: boolean): number {
  const { errors, warnings } = summarize(report);
  return errors > 0 || (strict && warnings > 0) ? 1 : 0;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The summary line: `3 stacks checked: 1 error, 2 warnings`. */
export function summaryLine(summary: Summary): string {
  return `${plural(summary.stacks, "stack")} checked: ${plural(summary.errors, "error")}, ${
    plural(summary.warnings, "warning")
  }`;
}

/** The human output: one aligned line per finding, run-wide notes, then the summary line. */
export function formatReport(report: ReportInput): string[] {
  const located = report.findings.filter((f) => f.file !== "");
  const rows = located.map((f) => [
    f.level,
    f.line === undefined ? f.file : `${f.file}:${f.line}`,
    f.message,
  ]);
  const notes = report.findings.filter((f) => f.file === "").map((f) => `${f.level}: ${f.message}`);
  return [...formatTable(rows), ...notes, summaryLine(summarize(report))];
}

/** The `--json` document: snake_case keys, and `null` where a value is absent. */
export interface ReportJson {
  /** The version of the JSON contract (docs/json-output.md), as every command's. */
  schema_version: 1;
  /** Whether the check passes (the exit code is 0). */
  ok: boolean;
  /** The checkout, absolute. */
  root: string;
  /** The counts. */
  summary: Summary;
  /** The stacks checked. */
  stacks: { stack: string; path: string; compose_file: string }[];
  /** Every finding, in output order. */
  findings: {
    level: Finding["level"];
    rule: Finding["rule"];
    folder: string;
    stack: string | null;
    file: string;
    line: number | null;
    message: string;
  }[];
}

const Count = z.number().int().nonnegative();

/** The schema of {@link ReportJson}, for tools that read it (and the tests). */
export const ValidateJsonSchema: z.ZodType<ReportJson> = z.strictObject({
  schema_version: z.literal(1),
  ok: z.boolean(),
  root: z.string(),
  summary: z.strictObject({ stacks: Count, errors: Count, warnings: Count, notes: Count }),
  stacks: z.array(
    z.strictObject({ stack: z.string(), path: z.string(), compose_file: z.string() }),
  ),
  findings: z.array(z.strictObject({
    level: z.enum(["error", "warning", "note"]),
    rule: z.custom<Finding["rule"]>((v) => typeof v === "string"),
    folder: z.string(),
    stack: z.string().nullable(),
    file: z.string(),
    line: z.number().int().positive().nullable(),
    message: z.string(),
  })),
});

/** The `--json` document. */
export function reportJson(report: ReportInput, strict: boolean): ReportJson {
  const summary = summarize(report);
  return {
    schema_version: 1,
    ok: exitCode(report, strict) === 0,
    root: report.root,
    summary,
    stacks: report.stacks.map((s) => ({
      stack: s.name,
      path: s.path,
      compose_file: s.composeFile,
    })),
    findings: report.findings.map((f) => ({
      level: f.level,
      rule: f.rule,
      folder: f.folder,
      stack: f.stack ?? null,
      file: f.file,
      line: f.line ?? null,
      message: f.message,
    })),
  };
}
