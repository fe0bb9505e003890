/**
 * Push webhooks for `watch` (docs/watch-and-webhooks.md): `POST /hooks/git`
 * from GitHub, Gitea, Forgejo and Gogs (HMAC-SHA256 of the body with
 * `webhook_secret`) or GitLab (`X-Gitlab-Token` equal to it). The checks are
 * pure functions over bytes and headers; {@link handlePush} turns one request
 * into a status, a reply and whether to trigger a run. Nothing here starts the
 * run: the caller does.
 * @module
 */
import { z } from "zod";

/** `webhook_secret: none`: the operator chose an endpoint that takes unsigned pushes. */
export const NO_SECRET = "none";

/** Largest body accepted (1 MiB); GitHub caps its own payloads at 25 MB, pushes are small. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** What to answer to a push request, and whether it asks for a run. */
export interface PushVerdict {
  /** HTTP status. */
  status: number;
  /** The JSON reply. */
  body: Record<string, unknown>;
  /** Why a run is wanted (e.g. `push to refs/heads/main`), when one is. */
  trigger?: string;
}

/** Equality of two byte strings in time that depends only on their lengths. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const encoder = new TextEncoder();

/** HMAC-SHA256 of `body` with `secret`, as lower-case hex (what the forges send). */
export async function hmacSha256Hex(secret: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new Uint8Array(body)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The signature headers, first found wins; GitHub's carries a `sha256=` prefix. */
const SIGNATURE_HEADERS = [
  ["x-hub-signature-256", "sha256="],
  ["x-gitea-signature", ""],
  ["x-forgejo-signature", ""],
  ["x-gogs-signature", ""],
] as const;

/**
 * Whether the request is signed with `secret`: by an HMAC header (GitHub,
 * Gitea, Forgejo, Gogs) or GitLab's token header. Both comparisons are
 * constant-time; the token is hashed first so that not even its length leaks.
 */
export async function verifyPush(
  secret: string,
  headers: Headers,
  body: Uint8Array,
): Promise<boolean> {
  for (const [name, prefix] of SIGNATURE_HEADERS) {
    const value = headers.get(name);
    if (value === null) continue;
    const hex = value.trim().toLowerCase();
    if (!hex.startsWith(prefix) || !/^[0-9a-f]{64}$/.test(hex.slice(prefix.length))) return false;
    const expected = await hmacSha256Hex(secret, body);
    return timingSafeEqual(encoder.encode(hex.slice(prefix.length)), encoder.encode(expected));
  }
  const token = headers.get("x-gitlab-token");
  if (token === null) return false;
  const [given, wanted] = await Promise.all([sha256(token), sha256(secret)]);
  return timingSafeEqual(given, wanted);
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

const Branchful = z.object({ default_branch: z.string().optional() }).loose();
/** The fields of a push we read; GitHub, Gitea, Gogs and GitLab all send `ref`. */
const PushSchema = z.object({
  ref: z.string(),
  deleted: z.boolean().optional(),
  repository: Branchful.optional(),
  project: Branchful.optional(),
}).loose();

/** A push, as far as autostack cares. */
export interface Push {
  /** The ref pushed, e.g. `refs/heads/main`. */
  ref: string;
  /** The repo's default branch, when the payload names it. */
  defaultBranch?: string;
  /** The ref was deleted. */
  deleted: boolean;
}

/**
 * Reads a push from the raw body: JSON, or a form whose `payload` field holds
 * the JSON (GitHub's and Gogs' `application/x-www-form-urlencoded` option).
 * `undefined` when it is not a push (a ping, another event, garbage).
 */
export function parsePush(body: Uint8Array, contentType: string | null): Push | undefined {
  let text = new TextDecoder().decode(body);
  if (contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    text = new URLSearchParams(text).get("payload") ?? "";
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = PushSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const { ref, deleted, repository, project } = parsed.data;
  const defaultBranch = repository?.default_branch ?? project?.default_branch;
  return { ref, deleted: deleted ?? false, ...(defaultBranch ? { defaultBranch } : {}) };
}

/**
 * Whether a push to `ref` concerns the deployed branch: the configured one;
 * without one, the remote's default branch when the payload names it (that is
 * what a run fetches), else any branch.
 */
export function branchWanted(ref: string, configured?: string, defaultBranch?: string): boolean {
  const branch = configured ?? defaultBranch;
  if (branch !== undefined) return ref === `refs/heads/${branch}`;
  return ref.startsWith("refs/heads/");
}

/** Push events by header; a request with another event (ping, issues …) is acknowledged only. */
const EVENT_HEADERS = ["x-github-event", "x-gitea-event", "x-forgejo-event", "x-gogs-event"];

function eventOf(headers: Headers): string | undefined {
  const gitlab = headers.get("x-gitlab-event");
  if (gitlab !== null) return gitlab === "Push Hook" ? "push" : gitlab;
  for (const name of EVENT_HEADERS) {
    const value = headers.get(name);
    if (value !== null) return value;
  }
  return undefined;
}

/** Reads at most `max` bytes of the body; `undefined` when it is longer (declared or sent). */
export async function readBodyCapped(
  request: Request,
  max = MAX_BODY_BYTES,
): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > max) {
    await request.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.length;
    // A chunked or lying sender is cut off here, not after buffering it all.
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return body;
}

/** The branch watched and the secret of `POST /hooks/git`. */
export interface PushOptions {
  /** `webhook_secret`, or {@link NO_SECRET}. */
  secret: string;
  /** The config's `branch`, if any. */
  branch?: string;
}

/** Decides the answer to one `POST /hooks/git` request; reads (and caps) its body. */
export async function handlePush(request: Request, options: PushOptions): Promise<PushVerdict> {
  const body = await readBodyCapped(request);
  if (body === undefined) return { status: 413, body: { error: "body larger than 1 MiB" } };
  const signed = options.secret === NO_SECRET ||
    await verifyPush(options.secret, request.headers, body);
  if (!signed) return { status: 401, body: { error: "missing or wrong signature" } };
  const event = eventOf(request.headers);
  if (event === "ping") return { status: 200, body: { ok: "pong" } };
  if (event !== undefined && event !== "push") {
    return { status: 200, body: { ignored: `event ${event}` } };
  }
  const push = parsePush(body, request.headers.get("content-type"));
  if (push === undefined) return { status: 400, body: { error: "not a push payload" } };
  if (push.deleted) return { status: 200, body: { ignored: `${push.ref} was deleted` } };
  if (!branchWanted(push.ref, options.branch, push.defaultBranch)) {
    return { status: 200, body: { ignored: `${push.ref} is not the deployed branch` } };
  }
  return { status: 202, body: { accepted: push.ref }, trigger: `push to ${push.ref}` };
}
