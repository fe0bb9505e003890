/**
 * `autostack validate` (docs/validate.md#what-is-checked): lints a stacks
 * checkout in its own CI, before anything reaches a host. It finds the stacks
 * with run's discovery over a listing of the checkout (no git needed), reads
 * their settings as a deploy would,
 * asks `docker compose config` whether each project is valid (falling back to
 * the raw YAML when compose is not installed), and checks the rules for stacks
 * on compose's normalised model.
 * @module
 */
import { pool } from "../pool.ts";
import { basename, join, posix, resolve } from "node:path";
import type { ValidateCommand } from "../cli.ts";
import { type DeploySettings, loadConfig } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import { errorMessage, UsageError } from "../errors.ts";
import type { Runner } from "../process.ts";
import type { Finding, Locate, Place, StackModel } from "./_model.ts";
import { composeLookalikes, findStackFolders, type StackFolder } from "./_find.ts";
import { listCheckout, readForDiscovery } from "../repo/mod.ts";
import { checkCompose, composeAvailable } from "./_compose.ts";
import { type ComposeDoc, locator, rawModel, readComposeDoc, shapeProblems } from "./_yaml.ts";
import { modelFindings } from "./_rules.ts";
import { imageFindings } from "./_images.ts";
import { modeFindings } from "./_modes.ts";
import { stackConfigFindings } from "./_stack_config.ts";
import { checkSettings } from "./_settings.ts";
import { readTextOrUndefined } from "../fsutil.ts";
import { readYaml } from "../yaml_doc.ts";
import { redact } from "../redact.ts";
import { statePaths } from "../state/mod.ts";
import { exitCode, formatReport, reportJson } from "./report.ts";
import { secretFindings } from "./_secrets.ts";
import { type Identities, loadIdentities, plainName } from "../secrets/mod.ts";

export type { Finding, Level, Rule } from "./_model.ts";
export type { StackFolder } from "./_find.ts";

/** What to validate and with what. */
export interface ValidateOptions {
  /** The checkout, absolute. */
  root: string;
  /** Watched folders (the config's `folders`); `undefined`: every folder holding a compose file. */
  folders?: readonly string[];
  /** The config's `nested`: stacks at any depth below the watched folders. */
  nested?: boolean;
  /** The config's `defaults`, applied under each stack's settings. */
  defaults?: Partial<DeploySettings>;
  /** The config file as shown in findings, and the line of each of its top-level keys. */
  config?: { file: string; lineOf?: (key: string) => number | undefined };
  /** The compose command (default `docker compose`); `null` reads the YAML only. */
  compose?: readonly string[] | null;
  /** Runs compose. */
  runner: Runner;
  /** How many `compose config` calls run at once (default 4). */
  jobs?: number;
  /** `--age-key-file`: every encrypted file must decrypt with these identities. */
  ageKeys?: Identities;
}

/** The outcome of a validation. */
export interface ValidateReport {
  /** The checkout, absolute. */
  root: string;
  /** The stacks found, by folder. */
  stacks: StackFolder[];
  /** Every finding, grouped by folder: errors, then warnings, then notes. */
  findings: Finding[];
}

/** Whether compose can check the projects, decided once per run. */
type ComposeUse = { command: readonly string[] } | undefined;

/** Validates every stack of a checkout. */
export async function validateCheckout(opts: ValidateOptions): Promise<ValidateReport> {
  const entries = await listCheckout(opts.root);
  const files = entries.filter((e) => e.type === "blob").map((e) => e.path);
  const place = (key: string): Place | undefined => {
    const line = opts.config?.lineOf?.(key);
    if (opts.config === undefined) return undefined;
    return line === undefined ? { file: opts.config.file } : { file: opts.config.file, line };
  };
  // docs/how-it-works.md#discovery: the stacks a run with this config would find.
  const found = findStackFolders(entries, {
    watched: opts.folders,
    nested: opts.nested,
    rootName: basename(opts.root),
    config: place("folders"),
    composeFiles: opts.defaults?.compose_files,
    ...await readForDiscovery(opts.root, entries),
  });
  const findings = [...found.findings, ...await composeLookalikes(opts.root, found.skipped)];
  let compose: ComposeUse;
  if (opts.compose !== null && found.stacks.length > 0) {
    const command = opts.compose ?? ["docker", "compose"];
    const available = await composeAvailable(opts.runner, command);
    if (available.ok) compose = { command };
    else {
      const message = `${available.reason}: compose files were only read as YAML, ` +
        "without compose's own checks";
      findings.push({ level: "note", rule: "compose-not-checked", folder: "", file: "", message });
    }
  }
  const ctx: StackContext = {
    root: opts.root,
    runner: opts.runner,
    defaults: opts.defaults,
    files: new Set(files),
    defaultsPlace: place("defaults"),
    compose,
    ageKeys: opts.ageKeys,
  };
  const perStack = await pool(found.stacks, opts.jobs ?? 4, (stack) => checkStack(stack, ctx));
  findings.push(...perStack.flat());
  return { root: opts.root, stacks: found.stacks, findings: sortFindings(findings) };
}

/** What checking one stack needs: the options, the checkout's files, compose when usable. */
interface StackContext {
  root: string;
  runner: Runner;
  defaults?: Partial<DeploySettings>;
  files: ReadonlySet<string>;
  defaultsPlace?: Place;
  compose: ComposeUse;
  ageKeys?: Identities;
}

/** Every finding of one stack: settings, compose validity, then the rules. */
async function checkStack(stack: StackFolder, ctx: StackContext): Promise<Finding[]> {
  const dir = join(ctx.root, stack.path);
  const prefix = stack.path === "." ? "" : `${stack.path}/`;
  // A file stack ships its own files, not its whole folder.
  const files = new Set(
    stack.files?.map((f) => f.from) ??
      [...ctx.files].filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)),
  );
  const secrets = await secretFindings(
    { folder: stack.path, name: stack.name, dir, files },
    ctx.ageKeys,
  );
  const settings = await checkSettings(stack, ctx);
  const first = [...secrets, ...settings.findings];
  const read = await readDocs(stack, dir, settings.composeFiles);
  if (read.errors.length > 0) return [...first, ...read.errors];
  const where = { folder: stack.path, stack: stack.name };
  const modes = settings.mode === undefined ? [] : modeFindings(read.docs, settings.mode, where);
  const locate = locator(read.docs, posix.join(stack.path, stack.composeFile));
  if (settings.mode === "swarm" && ctx.compose !== undefined) {
    const composeFiles = settings.composeFiles.map((name) => join(dir, name));
    const file = posix.join(stack.path, stack.composeFile);
    const swarm = { command: ctx.compose.command, files: composeFiles, where, file, locate };
    modes.push(...await stackConfigFindings(ctx.runner, swarm));
  }
  const images = settings.imageUpdates
    ? imageFindings(
      await Promise.all(
        settings.composeFiles.map((f) => Deno.readTextFile(join(dir, f)).catch(() => "")),
      ),
      { folder: stack.path, stack: stack.name, locate },
    )
    : [];
  const project = await projectModel(stack, ctx, settings.composeFiles, read.docs, locate);
  if (project.model === undefined) return [...first, ...project.findings, ...modes, ...images];
  const rules = modelFindings(project.model, {
    folder: stack.path,
    stack: stack.name,
    dir,
    // A decrypted NAME.age is shipped as NAME.
    files: new Set([...files].map(plainName)).union(files),
    method: settings.method,
    locate,
  });
  return [...first, ...project.findings, ...modes, ...rules, ...images];
}

function composeError(stack: StackFolder, file: string, message: string, line?: number): Finding {
  return {
    level: "error",
    rule: "invalid-compose",
    folder: stack.path,
    stack: stack.name,
    file,
    ...(line === undefined ? {} : { line }),
    message,
  };
}

/** The stack's compose files as YAML, and errors for those that are not even that. */
async function readDocs(stack: StackFolder, dir: string, names: readonly string[]) {
  const docs: ComposeDoc[] = [];
  const errors: Finding[] = [];
  for (const name of names) {
    const file = posix.join(stack.path, name);
    const read = await readDoc(join(dir, name), file);
    if (!read.ok) errors.push(composeError(stack, file, read.message, read.line));
    else docs.push(read.doc);
  }
  // Compose would refuse these too; said here, they come with a line and the same words everywhere.
  for (const doc of docs) {
    for (const p of shapeProblems(doc)) {
      errors.push(composeError(stack, doc.file, p.message, doc.find(p.path).line));
    }
  }
  return { docs, errors };
}

/**
 * The project as compose normalises it, or as the raw YAML says when compose
 * is not there or its output cannot be read (with a note); `model` is absent
 * when compose refuses the files.
 */
async function projectModel(
  stack: StackFolder,
  ctx: StackContext,
  names: readonly string[],
  docs: readonly ComposeDoc[],
  locate: Locate,
): Promise<{ model?: StackModel; findings: Finding[] }> {
  const dir = join(ctx.root, stack.path);
  if (ctx.compose === undefined) return { model: rawModel(docs, dir), findings: [] };
  const files = names.map((name) => join(dir, name));
  const project = { command: ctx.compose.command, project: stack.name || "stack", dir, files };
  const check = await checkCompose(ctx.runner, project, ctx.root);
  if (check.kind === "invalid") {
    const named = names.find((name) => join(dir, name) === check.file) ?? stack.composeFile;
    const place = check.path
      ? locate(check.path)
      : { file: posix.join(stack.path, named), line: check.line };
    return { findings: [composeError(stack, place.file, check.message, place.line)] };
  }
  const model = check.kind === "ok" ? check.model : rawModel(docs, dir);
  const message = check.kind === "ok" ? check.note : `${check.reason}; read as YAML only`;
  if (message === undefined) return { model, findings: [] };
  const file = posix.join(stack.path, stack.composeFile);
  const note: Finding = {
    level: "note",
    rule: "compose-not-checked",
    folder: stack.path,
    stack: stack.name,
    file,
    message,
  };
  return { model, findings: [note] };
}

async function readDoc(path: string, file: string): Promise<ReturnType<typeof readComposeDoc>> {
  try {
    return readComposeDoc(await Deno.readTextFile(path), file);
  } catch (error) {
    return { ok: false, message: `cannot read: ${errorMessage(error)}` };
  }
}

const LEVELS = { error: 0, warning: 1, note: 2 };

/** Code-point order: the same on every machine, whatever its locale. */
const byText = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;

/** Grouped by folder; in a folder, errors first, then by file and line. Run-wide notes last. */
function sortFindings(findings: Finding[]): Finding[] {
  return findings.map((f, i) => ({ f, i })).sort((a, b) =>
    Number(a.f.file === "") - Number(b.f.file === "") ||
    byText(a.f.folder, b.f.folder) ||
    LEVELS[a.f.level] - LEVELS[b.f.level] ||
    byText(a.f.file, b.f.file) ||
    (a.f.line ?? 0) - (b.f.line ?? 0) ||
    a.i - b.i
  ).map(({ f }) => f);
}

/** `autostack validate`: the checkout at PATH, with the config only when `--config` is given. */
export async function validateCommand(command: ValidateCommand, deps: Deps): Promise<number> {
  const configFile = command.config === undefined ? undefined : resolve(deps.cwd, command.config);
  const config = configFile === undefined
    ? undefined
    : await loadConfig(configFile, deps.env, { hostname: deps.hostname });
  // `--config` without PATH: the configured repo, as the host's clone has it.
  const clone = command.path === undefined && config !== undefined
    ? statePaths(config.base_dir).repo
    : undefined;
  const root = clone ?? resolve(deps.cwd, command.path ?? ".");
  const info = await Deno.stat(root).catch(() => undefined);
  if (!info?.isDirectory) {
    throw new UsageError(
      clone === undefined
        ? `validate: "${command.path}" is not a folder`
        : `validate: no clone of the repo in ${clone} yet: run autostack run first, ` +
          "or name a checkout (autostack validate PATH --config F)",
    );
  }
  const options: ValidateOptions = { root, runner: deps.runner };
  if (command.ageKeyFile !== undefined) {
    const path = resolve(deps.cwd, command.ageKeyFile);
    const keys = await loadIdentities({ kind: "file", path, from: "age_key_file" });
    if (!keys.ok) throw new UsageError(`validate: --age-key-file: ${keys.why}`);
    options.ageKeys = keys;
  }
  if (config !== undefined && configFile !== undefined && command.config !== undefined) {
    for (const warning of config.warnings) deps.logger.warn(warning);
    options.folders = config.folders;
    options.nested = config.nested;
    options.defaults = config.defaults;
    options.compose = config.compose;
    options.config = { file: command.config, lineOf: await configLines(configFile) };
  }
  if (clone !== undefined && config !== undefined && !command.json) {
    deps.out(
      `checking the clone of ${redact(config.repo)} in ${clone}, ` +
        `folders: ${config.folders.join(", ")}`,
    );
  }
  const report = await validateCheckout(options);
  if (command.json) deps.out(JSON.stringify(reportJson(report, command.strict), null, 2));
  else for (const line of formatReport(report)) deps.out(line);
  return exitCode(report, command.strict);
}

/** The line of each top-level key of the config file, to point findings at it. */
async function configLines(path: string): Promise<(key: string) => number | undefined> {
  const read = readYaml(await readTextOrUndefined(path) ?? "");
  return read.ok ? read.lineOf : () => undefined;
}
