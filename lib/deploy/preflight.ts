/**
 * The preflight (docs/how-it-works.md#preflight): what a version needs,
 * checked while the running version still serves, so that nothing is stopped
 * for a version that cannot start. The compose files must parse (with a limit
 * on YAML aliases: an alias bomb would send compose to gigabytes of memory)
 * and `docker compose config` must accept them with their env files; then
 * every image must be here or pullable (pulled now, not after the stop), and
 * every external network and volume must exist. A failure refuses the
 * version; whether the fault is the version's (marked bad) or the host's
 * (tried again next run) is part of the answer.
 * @module
 */
import { join } from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { ComposeError, errorMessage } from "../errors.ts";
import {
  type ComposeTarget,
  engineOf,
  missingResources,
  pullImage,
  type ResourceKind,
} from "../docker/mod.ts";
import { type ImagePin, pinnedImage } from "../state/mod.ts";
import type { DeployContext } from "./context.ts";
import type { DeployItem } from "./plan.ts";
import { filesTarget } from "./targets.ts";
import { stackModel } from "./swarm/mod.ts";
import { withCheckedFolder } from "./secrets.ts";
import type { PlainFile } from "../secrets/mod.ts";

/** What the preflight found. */
export type Preflight =
  | { ok: true; services: string[] }
  | { ok: false; cause: "version" | "host"; message: string };

/** Aliases a compose file may use; compose files need a handful, bombs need thousands. */
const MAX_ALIASES = 100;

const Service = z.object({ image: z.string().optional(), build: z.unknown().optional() });
const External = z.object({ name: z.string().optional(), external: z.unknown().optional() })
  .nullish();
const Model = z.object({
  services: z.record(z.string(), Service).nullish(),
  networks: z.record(z.string(), External).nullish(),
  volumes: z.record(z.string(), External).nullish(),
});
type Model = z.infer<typeof Model>;

/**
 * The checks that need no daemon (the files parse, compose accepts them):
 * what `--dry-run` shows. On success, the model compose made of them and the
 * compose target of the stack in the clone (or in `dir`, a copy of its folder).
 */
export async function checkFiles(
  ctx: DeployContext,
  item: Pick<DeployItem, "name" | "stack" | "settings">,
  dir = join(ctx.paths.repo, item.stack.path),
): Promise<
  { ok: true; model: Model; target: ComposeTarget } | {
    ok: false;
    cause: "version";
    message: string;
  }
> {
  for (const file of [item.stack.composeFile, ...item.settings.compose_files]) {
    const problem = await yamlProblem(join(dir, file), file);
    if (problem !== undefined) return { ok: false, cause: "version", message: problem };
  }
  const target = await filesTarget(ctx, item.name, dir, item.settings, item.stack.composeFile);
  const swarm = item.settings.mode === "swarm";
  const command = swarm ? "docker stack config" : "docker compose config";
  let json: unknown;
  try {
    // A swarm stack is checked as `docker stack deploy` reads it (docs/swarm.md#preflight).
    json = swarm
      ? await stackModel(ctx, dir, target.files ?? [])
      : JSON.parse(await ctx.compose.model(target));
  } catch (error) {
    if (error instanceof SyntaxError) {
      return { ok: false, cause: "version", message: "docker compose config did not print JSON" };
    }
    if (!(error instanceof ComposeError)) throw error;
    return { ok: false, cause: "version", message: errorMessage(error) };
  }
  const model = Model.safeParse(json);
  if (!model.success) {
    const why = z.prettifyError(model.error).replace(/\s*\n\s*/g, " ");
    return { ok: false, cause: "version", message: `cannot read ${command}: ${why}` };
  }
  return { ok: true, model: model.data, target };
}

/**
 * Every check, the pulls included; run just before a version is deployed.
 * With `secrets`, compose reads the version with its plaintext (docs/secrets.md).
 */
export function preflight(
  ctx: DeployContext,
  item: Pick<DeployItem, "name" | "stack" | "settings" | "images">,
  secrets: readonly PlainFile[] = [],
): Promise<Preflight> {
  return withCheckedFolder(ctx, item, secrets, (dir) => checks(ctx, item, dir));
}

async function checks(
  ctx: DeployContext,
  item: Pick<DeployItem, "name" | "stack" | "settings" | "images">,
  dir: string | undefined,
): Promise<Preflight> {
  const files = await checkFiles(ctx, item, dir);
  if (!files.ok) return files;
  const { model, target } = files;
  const missing = missingOn(ctx, item.settings.mode);
  const externals = (of: Model["networks"]) =>
    Object.entries(of ?? {}).flatMap(([key, v]) => v?.external ? [v.name ?? key] : []);
  const [networks, volumes] = await Promise.all([
    missing("network", externals(model.networks)),
    missing("volume", externals(model.volumes)),
  ]);
  const absent = [
    ...networks.map((n) => `external network "${n}" does not exist`),
    ...volumes.map((v) => `external volume "${v}" does not exist`),
  ];
  if (absent.length > 0) return { ok: false, cause: "host", message: absent.join("; ") };

  const services = Object.entries(model.services ?? {});
  const pinned = await pullPinned(ctx, missing, item.images ?? []);
  if (pinned !== undefined) return pinned;
  const pins = new Set(item.images?.map((p) => p.service));
  // Images compose builds are made by `up`; the others must be here or come now.
  const images = services.flatMap(([name, s]) =>
    s.image !== undefined && s.build === undefined && !pins.has(name) ? [s.image] : []
  );
  const absentImages = new Set(await missing("image", images));
  if (absentImages.size > 0) {
    const toPull = services.filter(([, s]) => s.image !== undefined && absentImages.has(s.image));
    try {
      await ctx.compose.pull(target, toPull.map(([name]) => name));
    } catch (error) {
      if (!(error instanceof ComposeError)) throw error;
      const which = [...absentImages].map((i) => `"${i}"`).join(", ");
      return {
        ok: false,
        cause: "host",
        message: `image ${which} is not on this host and could not be pulled: ${
          errorMessage(error)
        }`,
      };
    }
  }
  return { ok: true, services: services.map(([name]) => name) };
}

/**
 * Pulls the images pinned by digest that are not here yet (the tag may have
 * moved since it was checked: what is pulled is what was checked).
 */
async function pullPinned(
  ctx: DeployContext,
  missing: Missing,
  pins: readonly ImagePin[],
): Promise<Preflight | undefined> {
  const engine = engineOf(ctx.config.compose);
  try {
    for (const ref of await missing("image", pins.map(pinnedImage))) {
      await pullImage(ctx.deps.runner, engine, ref);
    }
  } catch (error) {
    if (!(error instanceof ComposeError)) throw error;
    return { ok: false, cause: "host", message: errorMessage(error) };
  }
  return undefined;
}

/** Which of `names` of `kind` this host lacks. */
type Missing = (kind: ResourceKind, names: readonly string[]) => Promise<string[]>;

/**
 * How the stack's mode asks for what is missing: a swarm stack asks the
 * engine's API, which the swarm's other looks use too (docs/swarm.md#how-autostack-talks-to-the-swarm);
 * a Compose stack asks its container engine's CLI (docker or podman).
 */
function missingOn(ctx: DeployContext, mode: string): Missing {
  if (mode === "swarm") return (kind, names) => ctx.swarm.missing(kind, names);
  const engine = engineOf(ctx.config.compose);
  return (kind, names) => missingResources(ctx.deps.runner, engine, kind, names);
}

/** Why a compose file cannot be used as YAML (`FILE:LINE: …`), or `undefined`. */
async function yamlProblem(path: string, shown: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return `${shown}: no such file in the stack folder`;
    throw error;
  }
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) {
    const line = lineCounter.linePos(error.pos[0]).line;
    const what = error.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "");
    return `${shown}:${line}: invalid YAML: ${what}`;
  }
  try {
    doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    return `${shown}: refused: more than ${MAX_ALIASES} YAML aliases (${errorMessage(error)})`;
  }
  return undefined;
}
