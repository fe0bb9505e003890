/**
 * The pure decision of the canary method (docs/canary.md): whether a stack can
 * run twice at all, read from compose's normalised model
 * (`docker compose config --format json`), narrowed with zod.
 * @module
 */
import { z } from "zod";

const Port = z.object({ published: z.union([z.string(), z.number()]).optional() });
const Attachment = z.object({
  ipv4_address: z.string().optional(),
  ipv6_address: z.string().optional(),
}).nullish();
const Mount = z.object({ type: z.string().optional(), source: z.string().optional() });
const Service = z.object({
  container_name: z.string().optional(),
  network_mode: z.string().optional(),
  ports: z.array(Port).nullish(),
  networks: z.record(z.string(), Attachment).nullish(),
  volumes: z.array(Mount).nullish(),
});
const Volume = z.object({ name: z.string().optional(), external: z.unknown().optional() })
  .nullish();
const Model = z.object({
  services: z.record(z.string(), Service).nullish(),
  volumes: z.record(z.string(), Volume).nullish(),
});

/** The parts of a compose model that decide whether two copies can run side by side. */
export type ComposeModel = z.infer<typeof Model>;

/** Parses `docker compose config --format json`; throws an `Error` naming the problem. */
export function parseComposeModel(stdout: string): ComposeModel {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new Error("docker compose config did not print JSON");
  }
  const parsed = Model.safeParse(json);
  if (!parsed.success) {
    const why = z.prettifyError(parsed.error).replace(/\s*\n\s*/g, " ");
    throw new Error(`cannot read docker compose config output: ${why}`);
  }
  return parsed.data;
}

/**
 * Why the stack of `model` (configured as `project`) cannot run as two
 * copies, one reason per clash, or `[]` when it can. Host ports, fixed
 * container names and fixed addresses clash outright; a named volume that
 * compose scopes to the project would give the second copy a new, empty one.
 */
export function whyNotTwice(model: ComposeModel, project: string): string[] {
  const reasons: string[] = [];
  for (const [name, s] of Object.entries(model.services ?? {})) {
    const ports = (s.ports ?? []).map((p) => String(p.published ?? "")).filter((p) => p !== "");
    if (ports.length > 0) reasons.push(`service "${name}" publishes host port ${ports.join(", ")}`);
    if (s.container_name !== undefined) {
      reasons.push(`service "${name}" sets container_name "${s.container_name}"`);
    }
    if (s.network_mode === "host") reasons.push(`service "${name}" uses network_mode: host`);
    for (const [net, a] of Object.entries(s.networks ?? {})) {
      if (a?.ipv4_address || a?.ipv6_address) {
        reasons.push(`service "${name}" has a fixed address on network "${net}"`);
      }
    }
    for (const m of s.volumes ?? []) {
      if (m.type === "volume" && m.source && projectVolume(model, project, m.source)) {
        reasons.push(`service "${name}" mounts volume "${m.source}", which belongs to the project`);
      }
    }
  }
  return reasons;
}

/** Whether a top-level volume is named after the project (compose's default), not shared. */
function projectVolume(model: ComposeModel, project: string, key: string): boolean {
  const volume = model.volumes?.[key];
  if (volume === undefined) return false;
  if (volume?.external === true) return false;
  return (volume?.name ?? `${project}_${key}`) === `${project}_${key}`;
}
