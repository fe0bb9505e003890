/**
 * Private to `settings.ts`: where a stack's raw settings come from
 * (docs/stack-settings.md) — the deploy file, or the `# Deploy Start #` …
 * `# Deploy End #` comment block of the compose file turned back into YAML text,
 * with compose-file line numbers.
 * @module
 */

import { readYaml } from "../yaml_doc.ts";

/** One finding, for messages and `autostack validate`, which prints file:line. */
export interface SettingsProblem {
  /** The file as shown to the user, e.g. `stacks/web/deploy.yaml`. */
  file: string;
  /** The settings key concerned, when there is one. */
  key?: string;
  /** 1-based line in `file`, when known. */
  line?: number;
  /** What is wrong, naming the bad value. */
  message: string;
}

/** A settings file's text and the path shown for it in messages. */
export interface SettingsSource {
  /** Path as shown to the user, e.g. `stacks/web/deploy.yaml`. */
  file: string;
  /** The file's content. */
  text: string;
}

/** Where a stack's settings came from. */
export type SettingsOrigin = "deploy_file" | "compose_block" | "none";

/** The start marker, matched against the trimmed line. */
export const BLOCK_START = "# Deploy Start #";
/** The end marker, matched against the trimmed line. */
export const BLOCK_END = "# Deploy End #";

/** What was found in a compose file. */
export type BlockScan =
  | { kind: "none" }
  | { kind: "unterminated"; startLine: number }
  | {
    kind: "block";
    /** 1-based line of the start marker; YAML line n is compose line `startLine + n`. */
    startLine: number;
    /** The uncommented lines, one per compose line, so line numbers carry over. */
    yaml: string;
    /** Lines inside the block that were not comments (left out of `yaml`). */
    strayLines: number[];
    /** Start markers after the first block (only the first block is read). */
    extraStarts: number[];
  };

/** Finds the first deploy block in compose file text (LF or CRLF). */
export function scanDeployBlock(text: string): BlockScan {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() === BLOCK_START);
  if (start === -1) return { kind: "none" };
  const endOffset = lines.slice(start + 1).findIndex((line) => line.trim() === BLOCK_END);
  if (endOffset === -1) return { kind: "unterminated", startLine: start + 1 };
  const end = start + 1 + endOffset;
  const strayLines: number[] = [];
  const yamlLines = lines.slice(start + 1, end).map((line, i) => {
    const uncommented = uncomment(line);
    if (uncommented === undefined) strayLines.push(start + 2 + i);
    return uncommented ?? "";
  });
  const extraStarts: number[] = [];
  lines.forEach((line, i) => {
    if (i > end && line.trim() === BLOCK_START) extraStarts.push(i + 1);
  });
  return {
    kind: "block",
    startLine: start + 1,
    yaml: yamlLines.join("\n"),
    strayLines,
    extraStarts,
  };
}

/**
 * Strips leading whitespace, the `#` and one space. Blank lines stay blank; a
 * line that is not a comment gives `undefined` (it is live compose YAML, not
 * part of the settings).
 */
function uncomment(line: string): string | undefined {
  const trimmed = line.trimStart();
  if (trimmed === "") return "";
  if (!trimmed.startsWith("#")) return undefined;
  const rest = trimmed.slice(1);
  return rest.startsWith(" ") ? rest.slice(1) : rest;
}

/** Raw settings found in a source, before validation. */
export interface Found {
  source: SettingsOrigin;
  file?: string;
  raw?: unknown;
  lineOf?: (key: string) => number | undefined;
  warnings: SettingsProblem[];
  errors: SettingsProblem[];
}

/** The deploy file wins; a block in the compose file is then only worth a warning. */
export function fromDeployFile(deployFile: SettingsSource, composeFile?: SettingsSource): Found {
  const warnings: SettingsProblem[] = [];
  const scan = composeFile ? scanDeployBlock(composeFile.text) : { kind: "none" as const };
  if (composeFile && scan.kind !== "none") {
    const message = `deploy block ignored: ${deployFile.file} takes precedence`;
    warnings.push({ file: composeFile.file, line: scan.startLine, message });
  }
  return {
    source: "deploy_file",
    ...readYamlSource(deployFile.file, deployFile.text, 0),
    warnings,
  };
}

/** Settings from the compose file's comment block, if it has one. */
export function fromCompose(composeFile?: SettingsSource): Found {
  const scan = composeFile ? scanDeployBlock(composeFile.text) : { kind: "none" as const };
  if (!composeFile || scan.kind === "none") return { source: "none", warnings: [], errors: [] };
  const file = composeFile.file;
  if (scan.kind === "unterminated") {
    const message = `"# Deploy Start #" has no "# Deploy End #" after it`;
    return {
      source: "compose_block",
      warnings: [],
      errors: [{ file, line: scan.startLine, message }],
    };
  }
  const warnings: SettingsProblem[] = [
    ...scan.strayLines.map((line) => ({
      file,
      line,
      message: "line inside the deploy block is not a comment; ignored",
    })),
    ...scan.extraStarts.map((line) => ({
      file,
      line,
      message: "second deploy block ignored; only the first one is read",
    })),
  ];
  return { source: "compose_block", ...readYamlSource(file, scan.yaml, scan.startLine), warnings };
}

/** Parses YAML whose line 1 is line `offset + 1` of `file`. */
function readYamlSource(file: string, text: string, offset: number) {
  const read = readYaml(text);
  if (!read.ok) {
    const message = `invalid YAML: ${read.message}`;
    const error = read.line === undefined
      ? { file, message }
      : { file, line: read.line + offset, message };
    return { file, errors: [error] };
  }
  const lineOf = (key: string) => {
    const line = read.lineOf(key);
    return line === undefined ? undefined : line + offset;
  };
  return { file, raw: read.value, lineOf, errors: [] };
}
