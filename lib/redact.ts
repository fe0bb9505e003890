/**
 * Keeps credentials out of every line autostack prints. A repo URL may carry a
 * token (`https://user:token@host/…`, `https://token@host/…`); git echoes URLs
 * in its errors, so all git output passes through {@link redact} before it is
 * shown or logged.
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
