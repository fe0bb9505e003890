/**
 * Keeps credentials out of every line autostack prints. A repo URL may carry a
 * token (`https://user:token@host/…`, `https://token@host/…`); git echoes URLs
 * in its errors, so all git output passes through {@link redact} before it is
 * shown or logged. A notify URL carries its secret in the path (Slack,
 * Discord) or query (ntfy tokens): {@link redactUrl} keeps its scheme and host
 * only.
 * @module
 */

// scheme://userinfo@ — only for http(s): in ssh URLs the user ("git") is no secret.
const USERINFO = /\b(https?:\/\/)([^\s/@:]*)(:[^\s/@]*)?@/gi;

/**
 * Replaces the secret part of every http(s) URL in `text`: the password when
 * there is one (`user:***@`), else the whole user part, which is then a token.
 */
export function redact(text: string): string {
  return text.replace(USERINFO, (_all, scheme: string, user: string, password?: string) => {
    if (password !== undefined) return `${scheme}${user}:***@`;
    return `${scheme}***@`;
  });
}

// An optional scheme, then the authority up to the first "/", "?" or "#", then the rest.
const URL_PARTS = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?([^/?#]*)([\s\S]*)$/;

/**
 * A URL as far as it may be printed: scheme and host, the user part as `***`,
 * and anything after the host as `/…` (`https://hooks.slack.com/…`). Also for
 * strings that are no valid URL (a typo in the scheme must not print the
 * path); without a scheme, only a part that looks like a host name is kept.
 */
export function redactUrl(url: string): string {
  const [, scheme = "", authority = "", rest = ""] = URL_PARTS.exec(url.trim()) ?? [];
  const at = authority.lastIndexOf("@");
  const host = authority.slice(at + 1);
  if (scheme === "" && !/^[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)+(:\d+)?$/.test(host)) return "…";
  return `${scheme}${at === -1 ? "" : "***@"}${host}${rest === "" ? "" : "/…"}`;
}

/** Every `scheme://…` URL in `text` as {@link redactUrl} shows it. */
export function redactUrls(text: string): string {
  return text.replace(/\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>()]*/g, (url) => redactUrl(url));
}
