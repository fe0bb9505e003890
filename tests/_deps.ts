/**
 * Test helpers: the {@link Deps} of a command with nothing real behind them
 * (a runner that answers success, a fixed host, a sleep that returns at once),
 * and an {@link DeployContext} over them for one base_dir.
 * @module
 */
import { fakeRunner, noSocketEngine, silentLogger } from "./_fakes.ts";
import { parseConfig } from "../lib/config/mod.ts";
import type { Deps } from "../lib/deps.ts";
import { type DeployContext, makeDeployContext } from "../lib/deploy/mod.ts";
import { type Head, Repo } from "../lib/repo/mod.ts";
import { statePaths } from "../lib/state/mod.ts";

/** Deps for a test; `overrides` replace any of them. */
export function testDeps(overrides: Partial<Deps> = {}): Deps {
  return {
    runner: fakeRunner(() => ({})),
    engine: noSocketEngine,
    fetch: () => Promise.reject(new Error("no registry in unit tests")),
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

/** An ctx for `base` (the config's `base_dir`) at commit `head`, running through `deps`. */
export function testContext(base: string, head: Head, deps: Deps): DeployContext {
  const config = parseConfig(`repo: /r\nbase_dir: ${base}\n`, "/c.yaml", {}, { hostname: "h" });
  const paths = statePaths(base);
  return makeDeployContext({ config, paths, repo: new Repo(deps.runner, paths.repo), head, deps });
}
