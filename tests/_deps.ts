/**
 * Test helpers: the {@link Deps} of a command with nothing real behind them
 * (a runner that answers success, a fixed host, a sleep that returns at once),
 * and an {@link Engine} over them for one base_dir.
 * @module
 */
import { parseConfig } from "../lib/config/config.ts";
import type { Deps } from "../lib/deps.ts";
import type { Engine } from "../lib/deploy/context.ts";
import { makeEngine } from "../lib/deploy/execute.ts";
import { type Head, Repo } from "../lib/repo/git.ts";
import { silentLogger } from "../lib/log.ts";
import { fakeRunner } from "../lib/process.ts";
import { statePaths } from "../lib/state/state.ts";

/** Deps for a test; `overrides` replace any of them. */
export function testDeps(overrides: Partial<Deps> = {}): Deps {
  return {
    runner: fakeRunner(() => ({})),
    logger: silentLogger,
    env: {},
    cwd: "/",
    hostname: "h",
    pid: 1,
    now: () => new Date(),
    sleep: () => Promise.resolve(),
    out: () => {},
    err: () => {},
    isTerminal: false,
    ...overrides,
  };
}

/** An engine for `base` (the config's `base_dir`) at commit `head`, running through `deps`. */
export function testEngine(base: string, head: Head, deps: Deps): Engine {
  const config = parseConfig(`repo: /r\nbase_dir: ${base}\n`, "/c.yaml", {}, { hostname: "h" });
  const paths = statePaths(base);
  return makeEngine({ config, paths, repo: new Repo(deps.runner, paths.repo), head, deps });
}
