/**
 * Who may see the status page: everyone when `status_token` is not set, else
 * a request carrying the token as `?token=` (a bookmark on a phone) or as
 * `Authorization: Bearer` (scripts), compared in constant time.
 * @module
 */
import { sameSecret } from "./webhook.ts";

/** Whether `request` may see the page guarded by `token` (`undefined`: open). */
export async function statusAllowed(request: Request, token: string | undefined): Promise<boolean> {
  if (token === undefined) return true;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  const given = bearer ?? new URL(request.url).searchParams.get("token");
  return given !== null && await sameSecret(given, token);
}
