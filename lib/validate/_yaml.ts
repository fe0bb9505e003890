/**
 * Private to `validate.ts`: a stack's compose files read as YAML. They give the
 * line of each finding (the yaml package's LineCounter), a shallow structure
 * check, and — when `docker compose` is not there to normalise the project —
 * the facts the rules need, read from the raw files as a fallback.
 * @module
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { resolve } from "node:path";
import { isRecord } from "../yaml_doc.ts";
import type { Locate, MountInfo, Place, ServiceInfo, StackModel } from "./_model.ts";

/** A parsed compose file: its plain value and where each of its keys is. */
export interface ComposeDoc {
  /** The file as shown (`stacks/web/compose.yaml`). */
  file: string;
  /** The document as plain data (`<<` merge keys applied); `undefined` when empty. */
  value: unknown;
  /** How many leading segments of `path` exist in the file, and the line of the deepest one. */
  find(path: readonly (string | number)[], item?: (value: unknown) => boolean): {
    depth: number;
    line?: number;
  };
}

/** Parses a compose file, or gives its first syntax error with its line. */
export function readComposeDoc(
  text: string,
  file: string,
): { ok: true; doc: ComposeDoc } | { ok: false; line?: number; message: string } {
  const counter = new LineCounter();
  // merge: compose files share settings through `<<: *anchor`, a YAML 1.1 feature.
  const doc = parseDocument(text, {
    lineCounter: counter,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
  });
  const error = doc.errors[0];
  if (error) {
    const line = counter.linePos(error.pos[0]).line;
    return { ok: false, line, message: `invalid YAML: ${error.message.split("\n")[0]}` };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // An alias to a missing anchor or an alias bomb only shows up here.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `invalid YAML: ${message}` };
  }
  return {
    ok: true,
    doc: { file, value: value ?? undefined, find: finder(doc.contents, counter) },
  };
}

/** {@link ComposeDoc.find} over a parsed document's tree. */
function finder(contents: unknown, counter: LineCounter): ComposeDoc["find"] {
  const lineOf = (node: { range?: [number, number, number] | null } | null | undefined) =>
    node?.range ? counter.linePos(node.range[0]).line : undefined;
  return (path, item) => {
    let node = contents;
    let found: { depth: number; line?: number } = { depth: 0 };
    for (const [depth, segment] of path.entries()) {
      const next = step(node, segment);
      if (next === undefined) return found;
      found = { depth: depth + 1, line: lineOf(next.at) };
      node = next.node;
    }
    if (item === undefined || !isSeq(node)) return found;
    const match = node.items.find((entry) => item(isNodeLike(entry) ? entry.toJSON() : entry));
    return isNodeLike(match) ? { depth: path.length + 1, line: lineOf(match) } : found;
  };
}

function isNodeLike(value: unknown): value is Node {
  return isMap(value) || isSeq(value) || isScalar(value);
}

/** One step down a YAML tree: the value under a map key or a list index, and the node to point at. */
function step(node: unknown, segment: string | number) {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
    if (pair === undefined || !isScalar(pair.key)) return undefined;
    return { node: pair.value, at: pair.key };
  }
  if (isSeq(node) && typeof segment === "number") {
    const entry = node.items[segment];
    return isNodeLike(entry) ? { node: entry, at: entry } : undefined;
  }
  return undefined;
}

/** A {@link Locate} over the stack's compose files: the file holding the deepest match wins. */
export function locator(docs: readonly ComposeDoc[], mainFile: string): Locate {
  return (path, item) => {
    let best: Place & { depth: number } = { file: mainFile, depth: 0 };
    for (const doc of docs) {
      const found = doc.find(path, item);
      if (found.depth > best.depth) best = { file: doc.file, line: found.line, depth: found.depth };
    }
    return best.line === undefined ? { file: best.file } : { file: best.file, line: best.line };
  };
}

/** The container path of a `volumes:` entry, short (`./a:/b:ro`) or long syntax. */
export function mountTarget(entry: unknown): string | undefined {
  if (typeof entry === "string") {
    const parts = entry.split(":");
    return parts.length === 1 ? parts[0] : parts[1];
  }
  return isRecord(entry) && typeof entry.target === "string" ? entry.target : undefined;
}

/** Problems compose itself would refuse, found without it: not a mapping, empty, bad `services`. */
export function shapeProblems(doc: ComposeDoc): { path: string[]; message: string }[] {
  if (doc.value === undefined) return [{ path: [], message: "empty compose file" }];
  if (!isRecord(doc.value)) return [{ path: [], message: "a compose file must be a mapping" }];
  const services = doc.value.services;
  if (services === undefined || services === null) return [];
  if (!isRecord(services)) {
    return [{ path: ["services"], message: "services must be a mapping of service names" }];
  }
  return Object.entries(services)
    .filter(([, service]) => !isRecord(service))
    .map(([name]) => ({
      path: ["services", name],
      message: `service "${name}" must be a mapping`,
    }));
}

/** Later files override earlier ones key by key; `ports` and `volumes` lists add up, as in compose. */
function mergeServices(docs: readonly ComposeDoc[]): Map<string, Record<string, unknown>> {
  const merged = new Map<string, Record<string, unknown>>();
  for (const doc of docs) {
    const services = isRecord(doc.value) ? doc.value.services : undefined;
    if (!isRecord(services)) continue;
    for (const [name, service] of Object.entries(services)) {
      if (!isRecord(service)) continue;
      const into = { ...merged.get(name) };
      for (const [key, value] of Object.entries(service)) {
        const before = into[key];
        const adds = (key === "ports" || key === "volumes") && Array.isArray(before) &&
          Array.isArray(value);
        into[key] = adds ? [...before, ...value] : value;
      }
      merged.set(name, into);
    }
  }
  return merged;
}

/** Services that another one waits for until they exit 0: one-shot jobs, healthy once done. */
export function oneShots(services: Iterable<unknown>): Set<string> {
  const found = new Set<string>();
  for (const service of services) {
    const deps = isRecord(service) ? service.depends_on : undefined;
    if (!isRecord(deps)) continue;
    for (const [name, how] of Object.entries(deps)) {
      if (isRecord(how) && how.condition === "service_completed_successfully") found.add(name);
    }
  }
  return found;
}

/** The rules' view of the project from the raw files, for when compose cannot normalise it. */
export function rawModel(docs: readonly ComposeDoc[], stackDir: string): StackModel {
  const services: ServiceInfo[] = [];
  const merged = mergeServices(docs);
  const jobs = oneShots(merged.values());
  for (const [name, raw] of merged) {
    const service: ServiceInfo = {
      name,
      healthcheck: rawHealthcheck(raw),
      ...(jobs.has(name) ? { oneShot: true } : {}),
      hostPorts: (Array.isArray(raw.ports) ? raw.ports : []).flatMap((p) => hostPort(p) ?? []),
      mounts: (Array.isArray(raw.volumes) ? raw.volumes : []).flatMap((v) =>
        rawMount(v, stackDir) ?? []
      ),
    };
    if (typeof raw.container_name === "string") service.containerName = raw.container_name;
    services.push(service);
  }
  const volumes: StackModel["volumes"] = {};
  for (const doc of docs) {
    const declared = isRecord(doc.value) ? doc.value.volumes : undefined;
    if (!isRecord(declared)) continue;
    for (const [key, value] of Object.entries(declared)) {
      volumes[key] = { external: isRecord(value) && Boolean(value.external) };
    }
  }
  return { services, volumes };
}

function rawHealthcheck(service: Record<string, unknown>): ServiceInfo["healthcheck"] {
  const check = service.healthcheck;
  if (isRecord(check)) return healthOf(check);
  // The base service of `extends` may well have one: only compose can tell.
  return service.extends === undefined ? "no" : "unknown";
}

/** A healthcheck mapping's verdict: `disable: true` and `test: ["NONE"]` turn it off. */
export function healthOf(check: { disable?: unknown; test?: unknown }): ServiceInfo["healthcheck"] {
  const off = check.disable === true ||
    (Array.isArray(check.test) && check.test[0] === "NONE") || check.test === "NONE";
  return off ? "disabled" : "yes";
}

const PORT = /^(?:(\[[^\]]*\]|[^:]*):)?([^:]*):([^:]+)$/;

/** The published host port of a `ports:` entry (`8080`, `127.0.0.1:8080`), else `undefined`. */
export function hostPort(entry: unknown): string | undefined {
  if (isRecord(entry)) {
    const published = entry.published;
    const port = typeof published === "number" ? String(published) : published;
    if (typeof port !== "string" || port === "") return undefined;
    return typeof entry.host_ip === "string" && entry.host_ip !== ""
      ? `${entry.host_ip}:${port}`
      : port;
  }
  if (typeof entry !== "string") return undefined;
  const match = PORT.exec(entry.replace(/\/[a-z]+$/, ""));
  if (match === null || match[2] === "") return undefined;
  return match[1] ? `${match[1]}:${match[2]}` : match[2];
}

/**
 * A service's `volumes:` entry, short or long syntax (the long one is also
 * what compose's normalised model holds); `undefined` when it holds an
 * unresolved `${VAR}`, whose value only the deploy host knows.
 */
export function rawMount(entry: unknown, stackDir: string): MountInfo | undefined {
  if (typeof entry === "string") {
    if (entry.includes("$")) return undefined;
    const [source = "", target, mode = ""] = entry.split(":");
    if (target === undefined) return { kind: "anonymous", target: source, readOnly: false };
    const readOnly = mode.split(",").includes("ro");
    if (/^[./~]/.test(source)) {
      return { kind: "bind", source: hostPath(source, stackDir), target, readOnly };
    }
    return { kind: "named", source, target, readOnly };
  }
  if (!isRecord(entry) || typeof entry.target !== "string") return undefined;
  const source = typeof entry.source === "string" ? entry.source : undefined;
  if (entry.target.includes("$") || source?.includes("$")) return undefined;
  const target = entry.target;
  const readOnly = entry.read_only === true;
  if (entry.type === "bind" && source !== undefined) {
    return { kind: "bind", source: hostPath(source, stackDir), target, readOnly };
  }
  if (entry.type !== "volume") return { kind: "other", target, readOnly };
  return source
    ? { kind: "named", source, target, readOnly }
    : { kind: "anonymous", target, readOnly };
}

/** Relative bind sources are relative to the project directory, the stack folder; `~` stays as is. */
function hostPath(source: string, stackDir: string): string {
  return source.startsWith("~") ? source : resolve(stackDir, source);
}
