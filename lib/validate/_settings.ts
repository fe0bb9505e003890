/**
 * Private to `validate.ts`: a stack's deploy settings as findings. The settings
 * themselves are read by `settings.ts` (docs/stack-settings.md), exactly as a
 * deploy reads them; this adds what only a checkout can tell: whether the
 * `pre_deploy` / `post_deploy` scripts and the `compose_files` it names are
 * there.
 * @module
 */
import { join, posix } from "node:path";
import {
  checkSettingsObject,
  type DeploySettings,
  loadSettings,
  type Method,
  scanDeployBlock,
  type SettingsProblem,
} from "../config/mod.ts";
import { readTextOrUndefined } from "../fsutil.ts";
import { deployFilesFor } from "../names.ts";
import { isRecord, readYaml } from "../yaml_doc.ts";
import type { Finding, Place } from "./_model.ts";
import { scriptPath } from "./_rules.ts";
import type { StackFolder } from "./_find.ts";

/** The checkout and the config, as the settings checks see them. */
export interface SettingsContext {
  /** The checkout root, absolute. */
  root: string;
  /** Every file of the checkout, relative to the root. */
  files: ReadonlySet<string>;
  /** The config's `defaults`, applied under each stack's own settings. */
  defaults?: Partial<DeploySettings>;
  /** Where the config's `defaults` are written, blamed for a bad value that came from them. */
  defaultsPlace?: Place;
}

/** What the rest of the check needs from a stack's settings, and the findings about them. */
export interface StackSettings {
  /** The stack's method, when it could be read. */
  method?: Method;
  /** The stack's deploy mode, when it could be read. */
  mode?: DeploySettings["mode"];
  /** `image_updates` is on (docs/image-updates.md). */
  imageUpdates: boolean;
  /** Errors and warnings about the settings. */
  findings: Finding[];
  /** Compose files to read, relative to the stack folder: the compose file, then the extras found. */
  composeFiles: string[];
}

/** The settings the checks use; their other keys only matter on the deploy host. */
type Used = Pick<
  DeploySettings,
  "method" | "mode" | "compose_files" | "pre_deploy" | "post_deploy"
>;

/** Reads and checks one stack's settings. */
export async function checkSettings(
  stack: StackFolder,
  ctx: SettingsContext,
): Promise<StackSettings> {
  const dir = join(ctx.root, stack.path);
  const result = await loadSettings(dir, stack.path, stack.composeFile, ctx.defaults);
  const findings: Finding[] = [
    ...result.errors.map(fromProblem(stack, "error", "invalid-settings")),
    ...result.warnings.map(fromProblem(stack, "warning", "settings-warning")),
  ];
  const source = await readSource(dir, stack, result.source);
  // Settings with errors still say which files and scripts they mean: check those too.
  const used: Used = result.settings ?? salvage(source.raw, result.errors, ctx.defaults);
  const place = (key: string): Place => {
    const line = source.lineOf(key);
    if (line !== undefined) return { file: source.file, line };
    return key in (ctx.defaults ?? {}) && ctx.defaultsPlace
      ? ctx.defaultsPlace
      : { file: source.file };
  };
  const extras: string[] = [];
  for (const file of used.compose_files) {
    const where = inCheckout(stack.path, file);
    const found = where !== undefined && ctx.files.has(where);
    if (found) extras.push(file);
    const message = where === undefined
      ? `compose_files: "${file}" is outside the checkout, so it is not checked`
      : `compose_files: "${file}" does not exist in the stack folder`;
    if (!found) {
      const level = where === undefined ? "note" : "error";
      findings.push({
        ...base(stack, "missing-compose-file"),
        level,
        ...place("compose_files"),
        message,
      });
    }
  }
  for (const phase of ["pre_deploy", "post_deploy"] as const) {
    const command = used[phase];
    const problem = command === undefined ? undefined : await checkScript(command, stack, ctx);
    if (problem === undefined) continue;
    const message = `${phase}: ${problem.message}`;
    findings.push({ ...base(stack, problem.rule), ...place(phase), message });
  }
  const composeFiles = [stack.composeFile, ...extras];
  const imageUpdates = result.settings?.image_updates ?? false;
  if (result.settings?.image_min_age !== undefined && !imageUpdates) {
    findings.push({
      ...base(stack, "settings-warning"),
      level: "warning",
      ...place("image_min_age"),
      message: "image_min_age: has no effect without image_updates: true",
    });
  }
  return { method: used.method, mode: used.mode, imageUpdates, findings, composeFiles };
}

function fromProblem(stack: StackFolder, level: Finding["level"], rule: Finding["rule"]) {
  return (p: SettingsProblem): Finding => ({
    level,
    rule,
    folder: stack.path,
    stack: stack.name,
    file: p.file,
    ...(p.line === undefined ? {} : { line: p.line }),
    message: p.key === undefined ? p.message : `${p.key}: ${p.message}`,
  });
}

function base(stack: StackFolder, rule: Finding["rule"]): Omit<Finding, "file" | "message"> {
  return { level: "error", rule, folder: stack.path, stack: stack.name };
}

/** The valid ones among the used keys of settings that have errors elsewhere, over the defaults. */
function salvage(
  raw: unknown,
  errors: readonly SettingsProblem[],
  defaults: Partial<DeploySettings> = {},
): Used {
  const bad = new Set(errors.map((e) => e.key));
  const keys = ["method", "methode", "mode", "compose_files", "pre_deploy", "post_deploy"];
  const picked = isRecord(raw)
    ? Object.fromEntries(Object.entries(raw).filter(([k]) => keys.includes(k) && !bad.has(k)))
    : {};
  const { values } = checkSettingsObject(picked, "");
  const pre_deploy = values.pre_deploy ?? defaults.pre_deploy;
  const post_deploy = values.post_deploy ?? defaults.post_deploy;
  return {
    method: values.method ?? defaults.method ?? "simple",
    mode: values.mode ?? defaults.mode ?? "compose",
    compose_files: values.compose_files ?? defaults.compose_files ?? [],
    ...(pre_deploy === undefined ? {} : { pre_deploy }),
    ...(post_deploy === undefined ? {} : { post_deploy }),
  };
}

/** `file` (relative to the stack folder) from the checkout root; `undefined` when it leaves the checkout. */
function inCheckout(folder: string, file: string): string | undefined {
  if (posix.isAbsolute(file)) return undefined;
  const path = posix.normalize(posix.join(folder, file));
  return path === ".." || path.startsWith("../") ? undefined : path;
}

/** The script a command runs must exist (relative to the stack folder) and, run directly, be executable. */
async function checkScript(
  command: string,
  stack: StackFolder,
  ctx: SettingsContext,
): Promise<{ rule: Finding["rule"]; message: string } | undefined> {
  const script = scriptPath(command);
  const path = script && inCheckout(stack.path, script.path);
  if (script === undefined || path === undefined) return undefined;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(join(ctx.root, path));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    const message = `${script.path} does not exist (${path}: the command runs in the stack folder)`;
    return { rule: "missing-script", message };
  }
  if (info.isDirectory) return { rule: "missing-script", message: `${script.path} is a folder` };
  if (script.direct && info.mode !== null && (info.mode & 0o111) === 0) {
    const message = `${script.path} is not executable (chmod +x it, and commit the mode)`;
    return { rule: "script-not-executable", message };
  }
  return undefined;
}

/**
 * The stack's own settings, raw, with the file they are in and the line of
 * each key: its deploy file or its compose block (whose YAML line n is line
 * `startLine + n` of the compose file).
 */
async function readSource(
  dir: string,
  stack: StackFolder,
  source: "deploy_file" | "compose_block" | "none",
): Promise<{ file: string; raw: unknown; lineOf: (key: string) => number | undefined }> {
  const none = { file: posix.join(stack.path, stack.composeFile), raw: undefined };
  if (source === "deploy_file") {
    for (const name of deployFilesFor(stack.composeFile)) {
      const text = await readTextOrUndefined(join(dir, name));
      if (text === undefined) continue;
      const read = readYaml(text);
      const file = posix.join(stack.path, name);
      return read.ok
        ? { file, raw: read.value, lineOf: read.lineOf }
        : { file, raw: undefined, lineOf: () => undefined };
    }
  }
  if (source === "compose_block") {
    const scan = scanDeployBlock(await readTextOrUndefined(join(dir, stack.composeFile)) ?? "");
    const read = scan.kind === "block" ? readYaml(scan.yaml) : undefined;
    if (scan.kind === "block" && read?.ok) {
      const lineOf = (key: string) => {
        const line = read.lineOf(key);
        return line === undefined ? undefined : line + scan.startLine;
      };
      return { ...none, raw: read.value, lineOf };
    }
  }
  return { ...none, lineOf: () => undefined };
}
