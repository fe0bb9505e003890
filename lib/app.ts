/**
 * The commands, dispatched: parse argv, load the config, take the lock where
 * the command changes state, and call the command. Expected failures are
 * thrown as `AutostackError`s; `main.ts` prints them as one line and
 * exits with their code.
 * @module
 */
import { programOrigin, VERSION, versionLine } from "./about.ts";
import { type Command, parseCommand } from "./cli.ts";
import { commandHelp, globalHelp } from "./help.ts";
import { type Config, configPath, loadConfig } from "./config/mod.ts";
import type { Deps } from "./deps.ts";
import { startRun } from "./run_start.ts";
import { acquireLock, statePaths } from "./state/mod.ts";

/**
 * The commands, loaded when one runs: a cron `run` starts its fetch first and
 * loads them while git fetches (they are most of autostack's modules).
 */
const commands = () => import("./commands/mod.ts");

/** Runs one command line to its exit code. */
export async function main(argv: readonly string[], deps: Deps): Promise<number> {
  const command = parseCommand(argv);
  switch (command.kind) {
    case "help":
      deps.out(
        (command.command === undefined ? undefined : commandHelp(command.command)) ??
          globalHelp(),
      );
      return 0;
    case "version":
      deps.out(versionLine(VERSION, await programOrigin(deps.runner)));
      return 0;
    // `validate` and `init` are loaded on demand, as `watch` is: a cron `run` never
    // calls them, and their modules cost every start-up ~15 ms.
    case "validate": {
      const { validateCommand } = await import("./validate/mod.ts");
      // A CI checkout has no host config: validate reads one only when --config names it.
      return await validateCommand(command, deps);
    }
    case "init": {
      const { initCommand } = await import("./init/mod.ts");
      // What the next run will see: the plan (which fetches the repo), then the lint of that clone.
      return await initCommand(command, deps, async (config) => {
        const plan = await main(["run", "--dry-run", "--config", config], deps);
        const lint = await main(["validate", "--config", config], deps);
        return plan !== 0 ? plan : lint;
      });
    }
    default:
      return await withConfig(command, deps);
  }
}

async function withConfig(
  command: Exclude<Command, { kind: "help" | "version" | "validate" | "init" }>,
  deps: Deps,
) {
  const config = await loadConfig(configPath(command.config, deps.env, deps.cwd), deps.env, {
    hostname: deps.hostname,
  });
  for (const warning of config.warnings) deps.logger.warn(warning);
  switch (command.kind) {
    case "run":
      return await locked(config, deps, async () => {
        const started = startRun(config, deps);
        // Not at once: evaluating them (~40 ms that do not yield) would hold up git's
        // processes, which dax spawns a few awaits after it is asked to.
        await started.underway;
        const { runOnce } = await commands();
        return (await runOnce(config, deps, command, started)).code;
      });
    case "watch": {
      const watched = {
        ...config,
        interval: command.interval ?? config.interval,
        listen: command.listen ?? config.listen,
      };
      // Loaded on demand: its metrics library costs every cron `run` ~20 ms of start-up.
      const { watchCommand } = await import("./watch/mod.ts");
      const { runOnce, WATCH_RUN } = await commands();
      // Each run takes the lock itself: a manual `run` may go in between.
      return await watchCommand(
        watched,
        deps,
        () => locked(watched, deps, () => runOnce(watched, deps, WATCH_RUN)),
      );
    }
    case "status":
      return await (await commands()).statusCommand(command, config, deps);
    case "history":
      return await (await commands()).historyCommand(command, config, deps);
    case "bad": {
      const { badCommand } = await commands();
      if (command.action === "list") return await badCommand(command, config, deps);
      return await locked(config, deps, () => badCommand(command, config, deps));
    }
    case "rollback": {
      const { rollbackCommand } = await commands();
      return await locked(config, deps, () => rollbackCommand(command, config, deps));
    }
  }
}

/** Runs `fn` while holding the run lock of `base_dir`. */
async function locked<T>(config: Config, deps: Deps, fn: () => Promise<T>): Promise<T> {
  await Deno.mkdir(config.base_dir, { recursive: true });
  const lock = await acquireLock(statePaths(config.base_dir).lock, {
    pid: deps.pid,
    hostname: deps.hostname,
    now: deps.now,
    logger: deps.logger,
  });
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
