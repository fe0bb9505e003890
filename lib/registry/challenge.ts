/**
 * The `WWW-Authenticate` challenge of a registry's 401
 * (docs/image-updates.md#credentials): `Bearer realm="…",service="…",scope="…"`
 * (a token server) or `Basic realm="…"` (htpasswd). Pure.
 * @module
 */

/** What a registry asks for before it answers. */
export type Challenge =
  | { scheme: "bearer"; realm: string; service?: string; scope?: string }
  | { scheme: "basic" };

const PARAM = /([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;

/** Parses a `WWW-Authenticate` header; `undefined` for a scheme we cannot answer. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (header === null) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  if (scheme === "basic") return { scheme: "basic" };
  if (scheme !== "bearer") return undefined;
  const params = new Map<string, string>();
  for (const [, key, quoted, bare] of match[2]!.matchAll(PARAM)) {
    params.set(key!.toLowerCase(), quoted?.replace(/\\(.)/g, "$1") ?? bare ?? "");
  }
  const realm = params.get("realm");
  if (realm === undefined || realm === "") return undefined;
  const service = params.get("service");
  const scope = params.get("scope");
  return {
    scheme: "bearer",
    realm,
    ...(service === undefined ? {} : { service }),
    ...(scope === undefined ? {} : { scope }),
  };
}

/** The token URL of a Bearer challenge, asking for pull access to `repository` when no scope was given. */
export function tokenUrl(
  challenge: Extract<Challenge, { scheme: "bearer" }>,
  repository: string,
): string {
  const url = new URL(challenge.realm);
  if (challenge.service !== undefined) url.searchParams.set("service", challenge.service);
  url.searchParams.set("scope", challenge.scope ?? `repository:${repository}:pull`);
  return url.toString();
}
