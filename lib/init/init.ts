/**
 * `autostack init` (docs/install.md#init): from nothing to a planned deploy.
 * It writes a commented config (never over an existing one), with
 * `--systemd` the units too, then checks the result as the next run will see
 * it (a dry run, which fetches the repo, and `validate` of that clone) and
 * prints the command to run next.
 * @module
 */
import { dirname, join, resolve } from "node:path";
import type { InitCommand } from "../cli.ts";
import { configPath, parseConfig } from "../config/mod.ts";
import type { Deps } from "../deps.ts";
import { ConfigError } from "../errors.ts";
import { renderConfig } from "./config_text.ts";
import { renderUnits } from "./units.ts";

/** Runs the checks on the written config (`run --dry-run`, `validate`); returns the worst exit code. */
export type InitCheck = (configFile: string) => Promise<number>;

/** Runs `init`; returns the exit code of the checks (0: ready to deploy). */
export async function initCommand(
  command: InitCommand,
  deps: Deps,
  check: InitCheck,
): Promise<number> {
  const file = configPath(command.config, deps.env, deps.cwd).path;
  const text = renderConfig(command);
  // Never write a config that the next run would refuse: every problem now, with its key.
  const config = parseConfig(text, file, { HOME: deps.env.HOME }, { hostname: deps.hostname });
  const unitDir = resolve(deps.cwd, command.unitDir);
  const units = command.systemd
    ? Object.entries(renderUnits({ config: file, baseDir: config.base_dir }))
      .map(([name, unit]) => [join(unitDir, name), unit] as const)
    : [];
  // Looked at before anything is written, so a refusal leaves nothing half done.
  for (const [path] of [[file], ...units]) await refuseExisting(path!);
  await Deno.mkdir(dirname(file), { recursive: true });
  await writeNew(file, text);
  deps.out(`wrote ${file}`);
  for (const [path, unit] of units) {
    await Deno.mkdir(unitDir, { recursive: true });
    await writeNew(path, unit);
    deps.out(`wrote ${path}`);
  }
  let code: number;
  try {
    code = await check(file);
  } catch (error) {
    deps.err(
      `autostack: init: ${file} is written; fix it, then: autostack run --dry-run --config ${file}`,
    );
    throw error;
  }
  for (const line of nextSteps(file, command.systemd, code)) deps.out(line);
  return code;
}

/** What to run next. Pure. */
export function nextSteps(file: string, systemd: boolean, code: number): string[] {
  if (code !== 0) {
    return [`fix what is above, then check again: autostack run --dry-run --config ${file}`];
  }
  return [
    `next: autostack run --config ${file}`,
    ...(systemd ? ["then: systemctl daemon-reload && systemctl enable --now autostack.timer"] : []),
  ];
}

function exists(path: string): ConfigError {
  return new ConfigError(
    `init: ${path} already exists: init never overwrites a file (edit it, or move it away first)`,
  );
}

async function refuseExisting(path: string): Promise<void> {
  try {
    await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  throw exists(path);
}

/** Writes a file that must not exist yet (a file that appeared since the look is refused too). */
async function writeNew(path: string, text: string): Promise<void> {
  try {
    await Deno.writeTextFile(path, text, { createNew: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) throw exists(path);
    throw error;
  }
}
