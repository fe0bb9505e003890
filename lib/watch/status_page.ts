/**
 * The status page `watch` serves on `GET /` (docs/status-page.md): every
 * stack with its health, version, last result and bad mark, its last history
 * entries as a timeline of coloured marks, the run in progress and the next
 * one. Plain server-rendered HTML with inline CSS: a few KB, readable on a
 * phone, no JavaScript, reloaded by `<meta http-equiv=refresh>`. Pure: the
 * data comes in, the page goes out; every value from outside is escaped.
 * @module
 */
import { localTime, type StackStatus } from "../commands/mod.ts";
import { formatDuration } from "../duration.ts";
import type { HistoryEntry, Result } from "../outcome.ts";
import { short } from "../table.ts";
import type { LastRun } from "./server.ts";

/** How many history entries each stack's timeline shows. */
export const TIMELINE_LENGTH = 12;

/** Everything the page shows. */
export interface StatusPageData {
  /** This host's name. */
  host: string;
  /** The `--version` line. */
  version: string;
  /** When the page is rendered. */
  now: Date;
  /** Seconds between reloads. */
  refreshSeconds: number;
  /** Each stack deployed here or marked bad (as `status` gathers them). */
  stacks: readonly StackStatus[];
  /** Per stack, its newest history entries first. */
  history: ReadonlyMap<string, readonly HistoryEntry[]>;
  /** The run in progress: why it started and when (ms). */
  run?: { reason: string; since: number };
  /** When the next run starts (ms), while the loop sleeps. */
  nextRunAt?: number;
  /** The last run of this watch. */
  lastRun: LastRun | null;
  /** `false` once the loop is stopping. */
  alive: boolean;
}

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The colour class of a result: ok, warn (rolled back, skipped), bad, or gone (removed). */
export function resultClass(result: Result): "ok" | "warn" | "bad" | "gone" {
  switch (result) {
    case "deployed":
      return "ok";
    case "rolled_back":
    case "skipped_bad":
      return "warn";
    case "removed":
      return "gone";
    default:
      return "bad";
  }
}

/** The colour class of `status`'s health words. */
function healthClass(health: string): "ok" | "bad" | "gone" {
  if (health === "healthy") return "ok";
  return health === "down" || health === "stopped" || health === "unknown" ? "gone" : "bad";
}

const CSS =
  `body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;max-width:60em;padding:.5em;color:#222;background:#fafafa}
h1{font-size:1.3em;margin:.3em 0}h1 small{color:#666;font-weight:normal}
.loop{margin:.3em 0 .8em;color:#444}
.stack{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5em .8em;margin:.6em 0}
.stack h2{font-size:1.1em;margin:0 0 .3em;overflow-wrap:anywhere}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1em .8em;margin:0}dt{color:#666}dd{margin:0;overflow-wrap:anywhere}
.ok{color:#16803c}.warn{color:#b45309}.bad{color:#c81e1e}.gone{color:#6b7280}
.tl{list-style:none;display:flex;flex-wrap:wrap;gap:3px;padding:0;margin:.5em 0 0}
.tl li{width:1.1em;height:1.1em;border-radius:3px;overflow:hidden;text-indent:2em;white-space:nowrap}
.tl .ok{background:#22a355}.tl .warn{background:#f59e0b}.tl .bad{background:#dc2626}.tl .gone{background:#9ca3af}
.msg{color:#555;font-size:.9em}`;

const LEGEND = [
  ["ok", "deployed"],
  ["warn", "rolled back or skipped as bad"],
  ["bad", "failed, refused or script error"],
  ["gone", "removed"],
].map(([cls, words]) => `<span class="${cls}">■</span> ${words}`).join(" · ");

/** The whole page. Pure. */
export function renderStatusPage(d: StatusPageData): string {
  const names = [...new Set([...d.stacks.map((s) => s.stack), ...d.history.keys()])].sort();
  const byName = new Map(d.stacks.map((s) => [s.stack, s]));
  const stacks = names.map((name) =>
    stackSection(name, byName.get(name), d.history.get(name) ?? [], d.now)
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="${d.refreshSeconds}">
<title>autostack on ${escapeHtml(d.host)}</title>
<style>${CSS}</style></head>
<body><h1>autostack <small>on ${escapeHtml(d.host)}</small></h1>
${loopLine(d)}
<main>
${stacks.length === 0 ? "<p>No stacks deployed yet.</p>" : stacks.join("\n")}
</main>
<p class="msg">Timeline, newest first: ${LEGEND}</p>
<footer class="msg">${escapeHtml(d.version)} · ${
    escapeHtml(localTime(d.now.toISOString()))
  }</footer>
</body></html>
`;
}

/** "2 min ago" / "in 40.0s", from `now`. */
function relative(at: number, now: Date): string {
  const ms = at - now.getTime();
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`;
}

/** When, as local time and relative to now. */
function when(at: number, now: Date): string {
  return `${escapeHtml(localTime(new Date(at).toISOString()))} (${escapeHtml(relative(at, now))})`;
}

/** The loop's line: the run in progress, or the next run, and how the last one went. */
function loopLine(d: StatusPageData): string {
  const parts: string[] = [];
  if (d.run) {
    parts.push(
      `<strong id="run" data-running="yes">Running now</strong> (${
        escapeHtml(d.run.reason)
      }), started ${when(d.run.since, d.now)}.`,
    );
  } else if (!d.alive) parts.push(`<strong id="run" data-running="no">Stopping.</strong>`);
  else {
    const next = d.nextRunAt === undefined ? "soon" : when(d.nextRunAt, d.now);
    parts.push(
      `<span id="run" data-running="no">Idle.</span> Next run <span id="next">${next}</span>.`,
    );
  }
  if (d.lastRun) {
    const r = d.lastRun;
    const cls = r.result === "ok" ? "ok" : r.result === "locked" ? "warn" : "bad";
    parts.push(
      `Last run: <span class="${cls}">${escapeHtml(r.result)}</span> ${
        when(Date.parse(r.time), d.now)
      }${r.error === undefined ? "" : `: <span class="msg">${escapeHtml(r.error)}</span>`}.`,
    );
  }
  return `<p class="loop">${parts.join(" ")}</p>`;
}

/** One stack's card. */
function stackSection(
  name: string,
  s: StackStatus | undefined,
  history: readonly HistoryEntry[],
  now: Date,
): string {
  const health = s?.health ?? "not deployed";
  const version = s?.commit
    ? `${escapeHtml(short(s.commit))} <span class="msg">tree ${
      escapeHtml(short(s.tree ?? undefined))
    }</span>${s.pending ? ' <span class="warn">deploying or interrupted</span>' : ""}`
    : "-";
  const last = s?.last_result
    ? `<span class="${resultClass(s.last_result)}">${escapeHtml(s.last_result)}</span> ${
      s.last_time ? when(Date.parse(s.last_time), now) : ""
    }${s.last_message ? `<br><span class="msg">${escapeHtml(clip(s.last_message))}</span>` : ""}`
    : "-";
  const bad = s?.bad
    ? `<span class="bad">${escapeHtml(short(s.bad.tree))}: ${escapeHtml(clip(s.bad.reason))}</span>`
    : "-";
  const marks = history.slice(0, TIMELINE_LENGTH).map((e) =>
    `<li class="${resultClass(e.result)}" data-result="${escapeHtml(e.result)}" title="${
      escapeHtml(`${e.result} ${short(e.commit)} ${localTime(e.time)}`)
    }">${escapeHtml(e.result)}</li>`
  ).join("");
  return `<section class="stack" data-stack="${escapeHtml(name)}" data-health="${
    escapeHtml(health)
  }">
<h2><span class="${healthClass(health)}">●</span> ${escapeHtml(name)}</h2>
<dl><dt>Health</dt><dd class="${healthClass(health)}">${escapeHtml(health)}${
    s ? ` <span class="msg">${escapeHtml(s.services)}</span>` : ""
  }</dd>
<dt>Version</dt><dd>${version}</dd>
<dt>Last</dt><dd>${last}</dd>
<dt>Bad</dt><dd>${bad}</dd></dl>
<ol class="tl" aria-label="last deploys, newest first">${marks}</ol>
</section>`;
}

/** A long message cut to what a phone shows. */
function clip(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
