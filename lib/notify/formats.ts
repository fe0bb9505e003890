/**
 * What a notification says and how each service wants it
 * (docs/notifications.md): the event (a history entry plus whether it is a
 * recovery), its title and message, and the HTTP request of each format —
 * `json` (the event itself), `discord`, `slack`, `ntfy`, `gotify` — built by
 * pure functions the tests compare.
 * @module
 */
import type { NotifyTarget } from "../config/mod.ts";
import type { HistoryEntry, Result } from "../outcome.ts";

/** A URL target (as checked by the config). */
export type UrlTarget = Extract<NotifyTarget, { url: string }>;

/** A payload format of a URL target: `json`, `discord`, `slack`, `ntfy`, `gotify`. */
export type Format = NonNullable<UrlTarget["format"]>;

/** What is sent: the history line, plus what the notifier decided about it. */
export interface NotifyEvent extends HistoryEntry {
  /** `true` for the first success after a failure of the same stack. */
  recovered: boolean;
  /** The host that deployed (config `hostname`), for operators with several hosts. */
  host: string;
  /** The one-line title every format shows, e.g. `web recovered: deployed`. */
  title: string;
}

/** How loud an event is; each format maps it to its own colour or priority. */
export type Severity = "ok" | "info" | "warning" | "error";

/** One HTTP request to send, as plain data. */
export interface NotifyRequest {
  /** Where to POST. */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body, already serialised. */
  body: string;
}

const WORDS: Record<Result, string> = {
  deployed: "deployed",
  rolled_back: "rolled back",
  failed: "failed",
  skipped_bad: "skipped (version marked bad)",
  script_error: "script error",
  removed: "removed",
  refused: "refused (the running version was left untouched)",
};

const SEVERITY: Record<Result, Severity> = {
  deployed: "ok",
  rolled_back: "error",
  failed: "error",
  skipped_bad: "warning",
  script_error: "error",
  removed: "info",
  refused: "error",
};

/** The severity of a result. */
export function severityOf(result: Result): Severity {
  return SEVERITY[result];
}

/** The title of an event: `web deployed`, `web rolled back`, `web recovered: deployed`. */
export function titleOf(entry: Pick<HistoryEntry, "stack" | "result">, recovered: boolean): string {
  return recovered
    ? `${entry.stack} recovered: ${WORDS[entry.result]}`
    : `${entry.stack} ${WORDS[entry.result]}`;
}

/** Builds the event sent for `entry`. */
export function makeEvent(entry: HistoryEntry, recovered: boolean, host: string): NotifyEvent {
  return { ...entry, recovered, host, title: titleOf(entry, recovered) };
}

/**
 * The body text every format shows: why (the entry's message), which commit
 * on which host, and the services at fault with their last probe output.
 */
export function messageOf(event: NotifyEvent): string {
  const where = [
    event.commit ? `commit ${event.commit.slice(0, 7)}` : "",
    event.host ? `on ${event.host}` : "",
    event.method ? `(${event.method})` : "",
  ].filter((part) => part !== "").join(" ");
  const lines = [event.message, where];
  if (event.services.length > 0) {
    lines.push("services at fault:");
    for (const s of event.services) {
      lines.push(`- ${s.service}: ${s.state}${s.detail ? ` (${s.detail})` : ""}`);
    }
  }
  return lines.filter((line) => line !== "").join("\n");
}

/**
 * The format a URL gets when the target names none: the well-known hosts of
 * Discord, Slack and ntfy.sh; a path ending in `/message` is Gotify's API
 * (it has no public host); anything else gets the event JSON.
 */
export function guessFormat(url: string): Format {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "json";
  }
  const host = parsed.hostname.toLowerCase();
  const under = (domain: string) => host === domain || host.endsWith(`.${domain}`);
  if (under("discord.com") || under("discordapp.com")) return "discord";
  if (host === "hooks.slack.com") return "slack";
  if (under("ntfy.sh")) return "ntfy";
  if (/\/message\/?$/.test(parsed.pathname)) return "gotify";
  return "json";
}

/** Builds the request of `format` for `event`; the target's own `headers` win over ours. */
export function buildRequest(
  format: Format,
  url: string,
  event: NotifyEvent,
  extraHeaders: Record<string, string> = {},
): NotifyRequest {
  const built = BUILDERS[format](url, event);
  const headers = new Headers(built.headers);
  for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value);
  return { url: built.url, headers: Object.fromEntries(headers), body: built.body };
}

type Builder = (url: string, event: NotifyEvent) => NotifyRequest;
const JSON_TYPE = { "content-type": "application/json" };

const BUILDERS: Record<Format, Builder> = {
  json: (url, event) => ({ url, headers: JSON_TYPE, body: JSON.stringify(event) }),
  discord: (url, event) => ({
    url,
    headers: JSON_TYPE,
    body: JSON.stringify(discordPayload(event)),
  }),
  slack: (url, event) => ({ url, headers: JSON_TYPE, body: JSON.stringify(slackPayload(event)) }),
  ntfy: ntfyRequest,
  gotify: (url, event) => ({
    url: gotifyUrl(url),
    headers: JSON_TYPE,
    body: JSON.stringify(gotifyPayload(event)),
  }),
};

const DISCORD_COLORS: Record<Severity, number> = {
  ok: 0x2ecc71,
  info: 0x95a5a6,
  warning: 0xe67e22,
  error: 0xe74c3c,
};

/** Discord's execute-webhook body: `content` (what a phone's push shows) and one embed. */
export function discordPayload(event: NotifyEvent) {
  return {
    content: clip(event.title, 2000),
    embeds: [{
      title: clip(event.title, 256),
      description: clip(messageOf(event), 4096),
      color: DISCORD_COLORS[severityOf(event.result)],
      timestamp: event.time,
    }],
    // A script's output in the message must never ping @everyone.
    allowed_mentions: { parse: [] },
  };
}

const SLACK_EMOJI: Record<Severity, string> = {
  ok: ":white_check_mark:",
  info: ":information_source:",
  warning: ":warning:",
  error: ":rotating_light:",
};

/** Slack's incoming-webhook body: `text` (the fallback and push text) plus blocks. */
export function slackPayload(event: NotifyEvent) {
  const emoji = SLACK_EMOJI[severityOf(event.result)];
  return {
    text: slackEscape(`${event.title}: ${event.message}`),
    blocks: [
      {
        type: "header",
        text: { type: "plain_text", text: clip(`${emoji} ${event.title}`, 150), emoji: true },
      },
      {
        type: "section",
        text: { type: "mrkdwn", text: clip(slackEscape(messageOf(event)), 3000) },
      },
    ],
  };
}

const NTFY_PRIORITY: Record<Severity, string> = { ok: "3", info: "2", warning: "3", error: "4" };
const NTFY_TAGS: Record<Severity, string> = {
  ok: "white_check_mark",
  info: "information_source",
  warning: "warning",
  error: "rotating_light",
};

/** ntfy's plain publish: the message is the body, title, priority and tags are headers. */
function ntfyRequest(url: string, event: NotifyEvent): NotifyRequest {
  const severity = severityOf(event.result);
  return {
    url,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      // Headers must be Latin-1; stack names are ASCII, but keep it safe.
      title: asciiOnly(event.title),
      priority: NTFY_PRIORITY[severity],
      tags: `${NTFY_TAGS[severity]},autostack`,
    },
    body: messageOf(event),
  };
}

const GOTIFY_PRIORITY: Record<Severity, number> = { ok: 5, info: 3, warning: 6, error: 8 };

/** Gotify's `POST /message` body. */
export function gotifyPayload(event: NotifyEvent) {
  return {
    title: event.title,
    message: messageOf(event),
    priority: GOTIFY_PRIORITY[severityOf(event.result)],
    extras: { "client::display": { contentType: "text/plain" } },
  };
}

/** Gotify's endpoint is `/message`: a server URL without it gets it appended (query kept). */
export function gotifyUrl(url: string): string {
  const parsed = new URL(url);
  if (!/\/message\/?$/.test(parsed.pathname)) {
    parsed.pathname = `${parsed.pathname.replace(/\/+$/, "")}/message`;
  }
  return parsed.href;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function slackEscape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?");
}
