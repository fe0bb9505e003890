/**
 * Asks a registry for the digest behind a tag
 * (docs/image-updates.md#detection): `HEAD /v2/NAME/manifests/TAG` with the
 * manifest types Docker accepts, `Docker-Content-Digest` from the answer (a
 * GET and the sha256 of its body when a registry leaves it out), answering a
 * 401's challenge once (a Bearer token, anonymous or with credentials, or Basic
 * credentials). Every failure (unreachable, refused, rate-limited, a timeout)
 * is a typed result, never an exception: a registry down must change nothing.
 * @module
 */
import { z } from "zod";
import { type Challenge, parseChallenge, tokenUrl } from "./challenge.ts";
import type { CredentialLookup, Credentials } from "./credentials.ts";
import { type ImageRef, isPlainHttp } from "./reference.ts";

/** The manifest types we accept, index and list first: their digest is what `docker pull` records. */
export const MANIFEST_TYPES: readonly string[] = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

/** The `Accept` header of a manifest request. */
export const ACCEPT: string = MANIFEST_TYPES.join(", ");

/** What a registry said about a tag. */
export type Lookup =
  | { ok: true; digest: string }
  | { ok: false; registry: string; reason: string };

/** What a registry client needs from outside. */
export interface RegistryOptions {
  /** The HTTP client (injected: unit tests answer with recorded responses). */
  fetch: typeof fetch;
  /** Credentials per registry. */
  credentials: CredentialLookup;
  /** Registries spoken to over plain HTTP besides loopback ones (config `insecure_registries`). */
  insecure: readonly string[];
  /** Time limit of each request, in ms. */
  timeoutMs: number;
}

const TokenAnswer = z.object({
  token: z.string().optional(),
  access_token: z.string().optional(),
});
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** A registry's answer that ends the lookup without a digest. */
class Unavailable extends Error {}

/** The digest behind `ref`'s tag, or why the registry could not say. */
export async function lookupDigest(options: RegistryOptions, ref: ImageRef): Promise<Lookup> {
  try {
    return { ok: true, digest: await askDigest(options, ref) };
  } catch (error) {
    const reason = error instanceof Unavailable ? error.message : describeFailure(error);
    return { ok: false, registry: ref.registry, reason };
  }
}

async function askDigest(options: RegistryOptions, ref: ImageRef): Promise<string> {
  const scheme = isPlainHttp(ref.registry, options.insecure) ? "http" : "https";
  const url = `${scheme}://${ref.apiHost}/v2/${ref.repository}/manifests/${ref.tag}`;
  let authorization: string | undefined;
  let response = await request(options, url, "HEAD", authorization);
  if (response.status === 401) {
    const challenge = parseChallenge(response.headers.get("www-authenticate"));
    authorization = await answer(options, ref, challenge);
    response = await request(options, url, "HEAD", authorization);
  }
  if (response.ok) {
    const digest = response.headers.get("docker-content-digest");
    if (digest !== null && DIGEST.test(digest)) return digest;
    // Some registries send no digest on HEAD: hash the manifest itself.
    const full = await request(options, url, "GET", authorization);
    if (!full.ok) throw new Unavailable(statusReason(full.status));
    const sent = full.headers.get("docker-content-digest");
    const body = new Uint8Array(await full.arrayBuffer());
    if (sent !== null && DIGEST.test(sent)) return sent;
    return `sha256:${hex(await crypto.subtle.digest("SHA-256", body))}`;
  }
  throw new Unavailable(statusReason(response.status));
}

/** The `Authorization` header that answers `challenge`. */
async function answer(
  options: RegistryOptions,
  ref: ImageRef,
  challenge: Challenge | undefined,
): Promise<string> {
  if (challenge === undefined) {
    throw new Unavailable("refused (401 with no challenge we can answer)");
  }
  const credentials = await options.credentials(ref.registry);
  if (challenge.scheme === "basic") {
    if (credentials === undefined) throw new Unavailable("refused: needs credentials (401)");
    return basic(credentials);
  }
  const response = await request(
    options,
    tokenUrl(challenge, ref.repository),
    "GET",
    credentials === undefined ? undefined : basic(credentials),
    "application/json",
  );
  if (!response.ok) throw new Unavailable(`token server: ${statusReason(response.status)}`);
  let data: unknown;
  try {
    data = await response.json();
  } catch {
    throw new Unavailable("token server did not answer JSON");
  }
  const parsed = TokenAnswer.safeParse(data);
  const token = parsed.success ? parsed.data.token ?? parsed.data.access_token : undefined;
  if (token === undefined || token === "") throw new Unavailable("token server sent no token");
  return `Bearer ${token}`;
}

function request(
  options: RegistryOptions,
  url: string,
  method: "HEAD" | "GET",
  authorization: string | undefined,
  accept = ACCEPT,
): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (authorization !== undefined) headers.authorization = authorization;
  return options.fetch(url, {
    method,
    headers,
    redirect: "follow",
    signal: AbortSignal.timeout(options.timeoutMs),
  });
}

function basic(credentials: Credentials): string {
  const bytes = new TextEncoder().encode(`${credentials.username}:${credentials.password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

function statusReason(status: number): string {
  if (status === 401 || status === 403) return `refused (${status})`;
  if (status === 404) return "no such image or tag (404)";
  if (status === 429) return "rate-limited (429)";
  return `answered ${status}`;
}

/** Why a request failed, in a few words (fetch's own message is "fetch failed"; the why is its cause). */
function describeFailure(error: unknown): string {
  if (error instanceof DOMException && error.name === "TimeoutError") return "timed out";
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (/refused/i.test(message)) return "unreachable (connection refused)";
  return `unreachable (${message.split("\n")[0]?.slice(0, 120)})`;
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
