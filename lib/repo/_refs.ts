/**
 * Private to the repo folder: the files a compose file points at
 * (docs/how-it-works.md#discovery), read from its YAML as written. A file
 * stack (`caddy-compose.yaml` beside other stacks in one folder) ships its
 * compose file and these, not the whole folder, so a change to one stack's
 * files does not redeploy its neighbours. Pure.
 * @module
 */
import { isRecord, readYaml } from "../yaml_doc.ts";

/** What one compose file points at, as written (relative to its folder). */
export interface ComposeRefs {
  /** Files or folders the project reads or mounts: `env_file`, bind mounts, `configs`/`secrets` files, build contexts. */
  paths: string[];
  /** Other compose files: `include`, `extends.file`; their own references count too. */
  composeFiles: string[];
}

const strings = (value: unknown): string[] =>
  typeof value === "string"
    ? [value]
    : Array.isArray(value)
    ? value.filter((v): v is string => typeof v === "string")
    : [];

/** A bind mount's source, short (`./conf:/etc/x:ro`) or long (`{type: bind, source}`) syntax. */
function bindSource(volume: unknown): string | undefined {
  if (typeof volume === "string") {
    const colon = volume.indexOf(":");
    const source = colon < 0 ? undefined : volume.slice(0, colon);
    return source !== undefined && source.startsWith(".") ? source : undefined;
  }
  if (isRecord(volume) && volume.type === "bind" && typeof volume.source === "string") {
    return volume.source;
  }
  return undefined;
}

function serviceRefs(service: unknown, refs: ComposeRefs): void {
  if (!isRecord(service)) return;
  const envFiles = Array.isArray(service.env_file) ? service.env_file : [service.env_file];
  for (const entry of envFiles) {
    refs.paths.push(...strings(isRecord(entry) ? entry.path : entry));
  }
  if (Array.isArray(service.volumes)) {
    for (const volume of service.volumes) {
      const source = bindSource(volume);
      if (source !== undefined) refs.paths.push(source);
    }
  }
  const build = service.build;
  if (typeof build === "string") refs.paths.push(build);
  else if (isRecord(build)) {
    const context = typeof build.context === "string" ? build.context : ".";
    refs.paths.push(context);
    if (typeof build.dockerfile === "string") {
      refs.paths.push(`${context.replace(/\/+$/, "")}/${build.dockerfile}`);
    }
  }
  if (isRecord(service.extends)) refs.composeFiles.push(...strings(service.extends.file));
}

/** The references of a parsed compose document. */
export function refsOf(doc: unknown): ComposeRefs {
  const refs: ComposeRefs = { paths: [], composeFiles: [] };
  if (!isRecord(doc)) return refs;
  if (isRecord(doc.services)) {
    for (const service of Object.values(doc.services)) serviceRefs(service, refs);
  }
  for (const key of ["configs", "secrets"]) {
    const section = doc[key];
    if (!isRecord(section)) continue;
    for (const item of Object.values(section)) {
      if (isRecord(item)) refs.paths.push(...strings(item.file));
    }
  }
  const include = Array.isArray(doc.include) ? doc.include : [doc.include];
  for (const item of include) {
    if (typeof item === "string") refs.composeFiles.push(item);
    else if (isRecord(item)) {
      refs.composeFiles.push(...strings(item.path));
      refs.paths.push(...strings(item.env_file));
    }
  }
  return refs;
}

/** The references of compose file text; none when it is not YAML. */
export function composeRefs(text: string): ComposeRefs {
  const read = readYaml(text);
  return read.ok ? refsOf(read.value) : { paths: [], composeFiles: [] };
}

/** `compose_files` of settings text (a deploy file's, or a deploy block's YAML), as written. */
export function composeFilesSetting(text: string): string[] | undefined {
  const read = readYaml(text);
  if (!read.ok || !isRecord(read.value) || read.value.compose_files == null) return undefined;
  return strings(read.value.compose_files);
}
