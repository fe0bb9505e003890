/**
 * The `listen` address of `watch` (config key and `--listen` flag): one
 * parser for both, so the flag and the key accept the same addresses.
 * @module
 */

/** What a `listen` value must look like, for error messages. */
export const LISTEN_HINT = "must be an address such as 127.0.0.1:9000 or :9000";

/** Splits `listen` into host and port; `:9000` is every interface. `undefined` when invalid. */
export function parseListen(listen: string): { hostname: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]*):(\d{1,5})$/.exec(listen);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port > 65_535) return undefined;
  const host = match[1]!.replace(/^\[(.*)\]$/, "$1");
  return { hostname: host === "" ? "0.0.0.0" : host, port };
}
