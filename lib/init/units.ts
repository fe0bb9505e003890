/**
 * The systemd units (docs/install.md#systemd): `autostack.service` (one run),
 * `autostack.timer` (that run every 2 minutes) and `autostack-watch.service`
 * (the long-running `watch`), hardened so that autostack may write only its
 * base dir, its cache and the Docker socket. Pure: `init --systemd` writes
 * them for its config and base dir; packaging/systemd/ holds them for the
 * defaults (a test keeps the two the same).
 * @module
 */

import { DEFAULT_BASE_DIR } from "../cli.ts";

/** Where the units expect autostack (docs/install.md). */
export const INSTALLED_BINARY = "/usr/local/bin/autostack";

/** The config file and base dir the packaged units use. */
export const UNIT_DEFAULTS = { config: "/etc/autostack.yaml", baseDir: DEFAULT_BASE_DIR };

/** What the units are rendered for: absolute paths. */
export interface UnitOptions {
  /** The config file. */
  config: string;
  /** `base_dir`: the one folder autostack writes. */
  baseDir: string;
}

/** A path as one word of a unit line (systemd splits on spaces; C-style quoting keeps one). */
function word(path: string): string {
  return /^[A-Za-z0-9/._+:@-]+$/.test(path) ? path : JSON.stringify(path);
}

/** The hardening shared by both services. */
function hardening(o: UnitOptions): string {
  // StateDirectory makes /var/lib/autostack with the right owner; another base dir must exist.
  const state = o.baseDir === DEFAULT_BASE_DIR ? "StateDirectory=autostack\n" : "";
  return `# Hardening. autostack runs as root because the Docker socket is root-equivalent
# anyway; what it may write is limited to its state, its cache and the socket.
ProtectSystem=strict
${state}CacheDirectory=autostack
ReadWritePaths=${word(o.baseDir)} -/run/docker.sock
PrivateTmp=yes
NoNewPrivileges=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes
SystemCallArchitectures=native
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
`;
}

const UNIT = `Wants=network-online.target
After=network-online.target docker.service`;

const DENO_DIR = `# The bundled autostack runs on Deno, which keeps its code cache here.
Environment=DENO_DIR=/var/cache/autostack/deno`;

/** The three units by file name. Pure. */
export function renderUnits(o: UnitOptions): Record<string, string> {
  const config = word(o.config);
  return {
    "autostack.service":
      `# autostack: one run (fetch the stacks repo, deploy what changed), started by
# autostack.timer. Install: docs/install.md. Check: systemd-analyze verify.
[Unit]
Description=autostack: deploy the stacks repo once
${UNIT}

[Service]
Type=oneshot
ExecStart=${INSTALLED_BINARY} run --config ${config}
# 75: another run (a manual one, or watch) held the lock; not a failure.
SuccessExitStatus=75
Environment=AUTOSTACK_LOG=info
${DENO_DIR}
# A deploy waits for health and may roll back: never cut it short mid-way.
TimeoutStartSec=30min

${hardening(o)}`,
    "autostack.timer": `# Starts autostack.service every 2 minutes. Install: docs/install.md.
[Unit]
Description=autostack: deploy the stacks repo every 2 minutes

[Timer]
OnBootSec=1min
# Counted from the end of the last run: a long deploy never overlaps the next.
OnUnitInactiveSec=2min
# Hosts started together do not all fetch in the same second.
RandomizedDelaySec=20s
AccuracySec=1s

[Install]
WantedBy=timers.target
`,
    "autostack-watch.service":
      `# autostack watch: runs every \`interval\` and on push webhooks, and serves the
# status page, /healthz and /metrics on \`listen\`. Use it instead of
# autostack.timer, not beside it. Install: docs/install.md.
[Unit]
Description=autostack: deploy the stacks repo on push and every interval
${UNIT}

[Service]
ExecStart=${INSTALLED_BINARY} watch --config ${config}
Restart=on-failure
RestartSec=10s
# A stop waits for the deploy in progress: give it time (health timeout + rollback).
TimeoutStopSec=10min
Environment=AUTOSTACK_LOG=info
${DENO_DIR}

${hardening(o)}
[Install]
WantedBy=multi-user.target
`,
  };
}
