/**
 * Push webhooks for `watch` (docs/watch-and-webhooks.md): `POST /hooks/git`
 * from GitHub, Gitea, Forgejo and Gogs (HMAC-SHA256 of the body with
 * `webhook_secret`) or GitLab (`X-Gitlab-Token` equal to it). The checks are
 * pure functions over bytes and headers; {@link handlePush} turns one request
 * into a status, a reply and whether to trigger a run. Nothing here starts the
 * run: the caller does. The bodies read at once share a {@link BodyBudget}, so
 * a flood of posts cannot fill the memory.
 * @module
 */
import { z } from "zod";

/** `webhook_secret: none`: the operator chose an endpoint that takes unsigned pushes. */
export const NO_SECRET = "none";

/** Largest body accepted (1 MiB); GitHub caps its own payloads at 25 MB, pushes are small. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Bytes of bodies held at once across all requests (4 MiB); past it, a request gets 503. */
export const MAX_BODIES_BYTES = 4 * MAX_BODY_BYTES;

/** How long a body may take to arrive (10 s): a slow sender must not hold the budget. */
export const BODY_TIMEOUT_MS = 10_000;

/** Seconds a refused sender is told to wait (`Retry-After`). */
export const RETRY_AFTER_S = 5;

/**
 * The bytes that request bodies may hold at once, shared by the requests of
 * one server: each takes what it allocates before it reads, and gives it back
 * when its answer is decided.
 */
export class BodyBudget {
  #free: number;

  /** A budget of `size` bytes. */
  constructor(readonly size: number = MAX_BODIES_BYTES) {
    this.#free = size;
  }

  /** Takes `bytes`; `false`, taking nothing, when fewer are free. */
  take(bytes: number): boolean {
    if (bytes > this.#free) return false;
    this.#free -= bytes;
    return true;
  }

  /** Gives back `bytes` taken before. */
  give(bytes: number): void {
    this.#free = Math.min(this.size, this.#free + bytes);
  }

  /** Bytes taken now. */
  get inUse(): number {
    return this.size - this.#free;
  }
}

/** What to answer to a push request, and whether it asks for a run. */
export interface PushVerdict {
  /** HTTP status. */
  status: number;
  /** The JSON reply. */
  body: Record<string, unknown>;
  /** Why a run is wanted (e.g. `push to refs/heads/main`), when one is. */
  trigger?: string;
  /** Seconds to send as `Retry-After` (with 503). */
  retryAfter?: number;
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
 * Whether the headers carry a signature that could be valid: the first HMAC
 * header found is 64 hex digits (after its prefix), or a GitLab token is
 * there. Checked before the body is read, so unsigned posts cost nothing.
 */
export function hasSignature(headers: Headers): boolean {
  for (const [name, prefix] of SIGNATURE_HEADERS) {
    const value = headers.get(name);
    if (value === null) continue;
    const hex = value.trim().toLowerCase();
    return hex.startsWith(prefix) && /^[0-9a-f]{64}$/.test(hex.slice(prefix.length));
  }
  return headers.get("x-gitlab-token") !== null;
}

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
  return token !== null && await sameSecret(token, secret);
}

/**
 * Whether `given` equals the secret `wanted`, in constant time: both are
 * hashed first, so that not even the secret's length leaks.
 */
export async function sameSecret(given: string, wanted: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(wanted)]);
  return timingSafeEqual(a, b);
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
  const budget = new BodyBudget(Infinity);
  const read = await readBody(request, { max, budget, timeoutMs: Infinity });
  budget.give(read.taken);
  return read.body;
}

/** A body read, or why not; `taken` bytes of the budget are to be given back. */
interface BodyRead {
  body?: Uint8Array;
  refused?: 408 | 413 | 503;
  taken: number;
}

/**
 * Reads the body into one buffer whose every byte is taken from `budget`
 * first: the declared length at once, else growing as it arrives. Refuses
 * (413) a body over `max`, (503) one the budget cannot hold, (408) one slower
 * than `timeoutMs`; the rest of a refused body is not read.
 */
async function readBody(
  request: Request,
  options: { max: number; budget: BodyBudget; timeoutMs: number },
): Promise<BodyRead> {
  const { max, budget } = options;
  const declared = Math.max(0, Math.floor(Number(request.headers.get("content-length")) || 0));
  if (declared > max || !budget.take(declared)) {
    await request.body?.cancel().catch(() => {});
    return { refused: declared > max ? 413 : 503, taken: 0 };
  }
  let buffer = new Uint8Array(declared);
  if (!request.body) return { body: buffer, taken: declared };
  const reader = request.body.getReader();
  const refuse = async (refused: 408 | 413 | 503): Promise<BodyRead> => {
    await reader.cancel().catch(() => {});
    return { refused, taken: buffer.length };
  };
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    if (options.timeoutMs !== Infinity) {
      timer = setTimeout(() => resolve("late"), options.timeoutMs);
    }
  });
  try {
    while (true) {
      const next = await Promise.race([reader.read(), late]);
      if (next === "late") return await refuse(408);
      if (next.done) return { body: buffer.subarray(0, size), taken: buffer.length };
      const chunk = next.value;
      // A chunked or lying sender is cut off here, not after buffering it all.
      if (size + chunk.length > max) return await refuse(413);
      if (size + chunk.length > buffer.length) {
        const grown = Math.min(max, Math.max(2 * buffer.length, size + chunk.length, 65_536));
        if (!budget.take(grown - buffer.length)) return await refuse(503);
        const bigger = new Uint8Array(grown);
        bigger.set(buffer.subarray(0, size));
        buffer = bigger;
      }
      buffer.set(chunk, size);
      size += chunk.length;
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}

/** The branch watched and the secret of `POST /hooks/git`. */
export interface PushOptions {
  /** `webhook_secret`, or {@link NO_SECRET}. */
  secret: string;
  /** The config's `branch`, if any. */
  branch?: string;
  /** The bytes shared with the other requests of the server; without one, only the cap applies. */
  budget?: BodyBudget;
  /** How long the body may take (default {@link BODY_TIMEOUT_MS}). */
  bodyTimeoutMs?: number;
}

const unsigned = (): PushVerdict => ({
  status: 401,
  body: { error: "missing or wrong signature" },
});

/**
 * Decides the answer to one `POST /hooks/git` request. A request without a
 * signature is refused before its body is read; the body is capped, its
 * bytes taken from the budget and given back once the answer is known.
 */
export async function handlePush(request: Request, options: PushOptions): Promise<PushVerdict> {
  if (options.secret !== NO_SECRET && !hasSignature(request.headers)) {
    await request.body?.cancel().catch(() => {});
    return unsigned();
  }
  const budget = options.budget ?? new BodyBudget(Infinity);
  const read = await readBody(request, {
    max: MAX_BODY_BYTES,
    budget,
    timeoutMs: options.bodyTimeoutMs ?? BODY_TIMEOUT_MS,
  });
  try {
    if (read.refused === 413) return { status: 413, body: { error: "body larger than 1 MiB" } };
    if (read.refused === 408) return { status: 408, body: { error: "body too slow" } };
    if (read.body === undefined) {
      const error = "too many webhook bodies at once, retry later";
      return { status: 503, body: { error }, retryAfter: RETRY_AFTER_S };
    }
    return await decide(request, read.body, options);
  } finally {
    budget.give(read.taken);
  }
}

/** The answer to a request whose body is read. */
async function decide(
  request: Request,
  body: Uint8Array,
  options: PushOptions,
): Promise<PushVerdict> {
  const signed = options.secret === NO_SECRET ||
    await verifyPush(options.secret, request.headers, body);
  if (!signed) return unsigned();
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
