/**
 * Image references as Docker reads them (docs/image-updates.md#names): the
 * registry host (Docker Hub's `docker.io` when the first part names no host,
 * with `library/` for official images), the repository, the tag (`latest` when
 * none is given) and an `@sha256:` pin. Pure.
 * @module
 */

/** Docker Hub's name in image references and in `~/.docker/config.json`. */
export const DOCKER_HUB = "docker.io";

/** An image reference, normalised. */
export interface ImageRef {
  /** The registry as written or implied: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  registry: string;
  /** The host the API is asked on (`registry-1.docker.io` for Docker Hub). */
  apiHost: string;
  /** The repository path: `library/nginx`, `org/app`. */
  repository: string;
  /** The tag: `latest` when none is given. */
  tag: string;
  /** The `@sha256:…` pin, when the reference has one. */
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Parses `reference` (`nginx`, `ghcr.io/org/app:stable`,
 * `localhost:5000/app@sha256:…`); `undefined` when it is not a valid reference.
 */
export function parseImageRef(reference: string): ImageRef | undefined {
  let rest = reference.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  const parts = rest.split("/");
  const first = parts[0] ?? "";
  // Docker's rule: the first part is a host when it has a dot or a port, or is localhost.
  const hasHost = parts.length > 1 &&
    (first.includes(".") || first.includes(":") || first === "localhost");
  let registry = hasHost ? first : DOCKER_HUB;
  const path = hasHost ? parts.slice(1) : parts;
  if (registry === "index.docker.io") registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && path.length === 1) path.unshift("library");
  if (path.length === 0 || !path.every((p) => COMPONENT.test(p))) return undefined;
  return {
    registry,
    apiHost: registry === DOCKER_HUB ? "registry-1.docker.io" : registry,
    repository: path.join("/"),
    tag: tag ?? "latest",
    ...(digest === undefined ? {} : { digest }),
  };
}

/** `registry/repository:tag`, the one spelling of a tag reference (the key of a run's lookups). */
export function tagName(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}:${ref.tag}`;
}

/** `registry/repository@digest`: the reference a deploy pins a service to. */
export function pinnedName(ref: ImageRef, digest: string): string {
  // Docker Hub references are written short, as Docker itself shows them.
  const name = ref.registry === DOCKER_HUB
    ? ref.repository.replace(/^library\//, "")
    : `${ref.registry}/${ref.repository}`;
  return `${name}@${digest}`;
}

/** Whether Docker talks plain HTTP to `registry`: loopback, or listed as insecure. */
export function isPlainHttp(registry: string, insecure: readonly string[]): boolean {
  if (insecure.includes(registry)) return true;
  const host = registry.startsWith("[")
    ? registry.slice(1, registry.indexOf("]"))
    : registry.replace(/:\d+$/, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
