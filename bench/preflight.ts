/**
 * What the preflight adds to a redeploy (docs/how-it-works.md#preflight):
 * side A is the preflight's net cost, timed in this process on the stack's
 * checkout exactly as a run calls it (YAML check, `docker compose config`,
 * the image inspect) less the `config --services` call the health gate no
 * longer makes because the preflight hands it the services; side B is the
 * whole redeploy of the same stack by `autostack run` (a fresh process, as
 * cron starts it). Rounds alternate A and B. Target: A / B ≤ 0.05.
 * @module
 */
import { join } from "node:path";
import { parseConfig } from "../lib/config/mod.ts";
import { SETTINGS_DEFAULTS } from "../lib/config/mod.ts";
import { COMPOSE_FILES, Repo } from "../lib/repo/mod.ts";
import { makeDeployContext, preflight } from "../lib/deploy/mod.ts";
import { daxRunner } from "../lib/process.ts";
import { statePaths } from "../lib/state/mod.ts";
import { silentLogger } from "../tests/_fakes.ts";
import { testDeps } from "../tests/_deps.ts";
import {
  alternate,
  atMost,
  type Comparison,
  log,
  median,
  redeploy,
  side,
  uniquePrefix,
  webStack,
} from "./_lib.ts";

/** The target: the preflight's net cost over the whole redeploy. */
export const PREFLIGHT_TARGET = 0.05;

/** Runs the preflight benchmark for `rounds` rounds. */
export async function benchPreflight(rounds: number): Promise<Comparison> {
  const prefix = uniquePrefix();
  log(`preflight: setting up ${prefix}web`);
  const web = await webStack(prefix);
  const { name, ws } = web;

  const config = parseConfig(await Deno.readTextFile(ws.config), ws.config, {}, {
    hostname: "bench",
  });
  const paths = statePaths(config.base_dir);
  const deps = testDeps({ runner: daxRunner, logger: silentLogger });
  const git = new Repo(daxRunner, paths.repo);
  const ctx = makeDeployContext({ config, paths, repo: git, head: await git.resolve(), deps });
  const stack = {
    name,
    path: name,
    composeFile: COMPOSE_FILES[0],
    tree: (await git.resolve()).tree,
  };
  const item = { name, stack, settings: SETTINGS_DEFAULTS };
  const target = {
    command: config.compose,
    project: name,
    dir: join(paths.repo, name),
    files: [join(paths.repo, name, COMPOSE_FILES[0])],
  };
  const saved: number[] = [];
  const raw: number[] = [];

  const times = await alternate(
    rounds,
    async () => {
      let started = performance.now();
      const check = await preflight(ctx, item);
      raw.push(performance.now() - started);
      if (!check.ok) throw new Error(`preflight refused the bench stack: ${check.message}`);
      started = performance.now();
      await ctx.compose.services(target);
      saved.push(performance.now() - started);
      return raw.at(-1)! - saved.at(-1)!;
    },
    async (round) => (await redeploy(web, round)).ms,
  );
  const a = side("preflight, net", times.a);
  const b = side("autostack run (redeploy)", times.b);
  const ratio = a.median / b.median;
  return {
    id: "preflight",
    title: "preflight cost in a redeploy",
    a,
    b,
    ratio,
    ratioOf: "A/B",
    ...atMost(ratio, PREFLIGHT_TARGET),
    notes: [
      `preflight alone ${median(raw).toFixed(0)} ms, less the config --services call it ` +
      `saves the gate (${median(saved).toFixed(0)} ms)`,
    ],
  };
}
