/**
 * The help texts (docs/how-it-works.md#commands): the global help, one line
 * per command, and each command's own help with its flags and an example.
 * Pure: the texts are built from one table, {@link COMMANDS}.
 * @module
 */

/** One command's help: what it does, how it is called, its flags, an example. */
export interface CommandHelp {
  /** One line: what the command does. */
  summary: string;
  /** The arguments after the command's name, e.g. `NAME [--to COMMIT]`. */
  usage: string;
  /** Each flag with its value and what it does. */
  flags: readonly (readonly [string, string])[];
  /** One example command line. */
  example: string;
}

const CONFIG: readonly [string, string] = [
  "-c, --config F",
  "the config file (else $AUTOSTACK_CONFIG, else ./autostack.yaml)",
];
const HELP_FLAG: readonly [string, string] = ["-h, --help", "show this help"];

/** Every command's help, in the order the global help lists them. */
export const COMMANDS: Readonly<Record<string, CommandHelp>> = {
  init: {
    summary: "write a config for a stacks repo (and systemd units), then dry-run it",
    usage: "--repo URL [--base-dir D] [--folders F]... [--systemd [--unit-dir D]] [--config F]",
    flags: [
      ["--repo URL", "the stacks repo: a git URL or a path (required)"],
      ["--base-dir D", "where autostack keeps its state (default /var/lib/autostack)"],
      ["--folders F", "watched folders, repeatable or comma-separated (default .)"],
      ["--systemd", "write autostack.service, .timer and autostack-watch.service too"],
      ["--unit-dir D", "where the units go (default /etc/systemd/system)"],
      ["-c, --config F", "the config to write (else $AUTOSTACK_CONFIG, else ./autostack.yaml)"],
      HELP_FLAG,
    ],
    example: "autostack init --repo git@git.example.com:ops/stacks.git --folders stacks --systemd",
  },
  run: {
    summary: "fetch the repo and deploy the stacks that changed (--json)",
    usage: "[--config F] [--dry-run] [--stack NAME]... [--force] [--json]",
    flags: [
      CONFIG,
      ["--dry-run", "print the plan; change no container and no state"],
      ["--stack NAME", "only this stack (repeatable)"],
      ["--force", "deploy versions marked bad too"],
      ["--json", "print the plan or the outcomes as one JSON document"],
      HELP_FLAG,
    ],
    example: "autostack run --dry-run --stack web",
  },
  status: {
    summary: "each deployed stack: version, health now, last result, bad mark (--json)",
    usage: "[--config F] [--json] [--check]",
    flags: [
      CONFIG,
      ["--json", "print one JSON document"],
      ["--check", "exit 1 unless every stack is healthy on its version"],
      HELP_FLAG,
    ],
    example: "autostack status --check",
  },
  history: {
    summary: "the deploy history, newest first (--json)",
    usage: "[--config F] [--stack NAME]... [--limit N] [--since D] [--json]",
    flags: [
      CONFIG,
      ["--stack NAME", "only this stack (repeatable)"],
      ["--limit N", "the newest N entries (default 20; 0 for all)"],
      ["--since D", "only entries newer than D, e.g. 2d, 12h or 30m"],
      ["--json", "print one JSON document"],
      HELP_FLAG,
    ],
    example: "autostack history --stack web --limit 5",
  },
  bad: {
    summary: "list the versions marked bad, or clear one's mark (--json)",
    usage: "list | clear NAME  [--config F] [--json]",
    flags: [CONFIG, ["--json", "print one JSON document"], HELP_FLAG],
    example: "autostack bad clear web",
  },
  rollback: {
    summary: "put a stack's last good version back, through the health gate (--json)",
    usage: "NAME [--to COMMIT] [--config F] [--json]",
    flags: [
      ["--to COMMIT", "a kept version, by (a prefix of) its commit; else the one before"],
      CONFIG,
      ["--json", "print the outcome as one JSON document"],
      HELP_FLAG,
    ],
    example: "autostack rollback web --to 3f2a9c1",
  },
  watch: {
    summary: "run every interval, and on push webhooks, until stopped",
    usage: "[--config F] [--interval 60s] [--listen ADDR]",
    flags: [
      CONFIG,
      ["--interval D", "time between runs, e.g. 30s or 5m (overrides the config)"],
      ["--listen ADDR", "serve the status page, webhooks and metrics on ADDR, e.g. 127.0.0.1:9000"],
      HELP_FLAG,
    ],
    example: "autostack watch --interval 5m --listen 127.0.0.1:9000",
  },
  validate: {
    summary: "lint a checkout of the stacks repo (default .), for its CI (--json)",
    usage: "[PATH] [--config F] [--json] [--strict] [--age-key-file F]",
    flags: [
      [
        "--config F",
        "use the config's watched folders and defaults (never read otherwise); " +
        "without PATH, check its repo's clone under base_dir",
      ],
      ["--json", "print one JSON document"],
      ["--strict", "warnings fail the check too"],
      [
        "--age-key-file F",
        "every SOPS and age file must decrypt with F's age keys and pass its MAC",
      ],
      HELP_FLAG,
    ],
    example: "autostack validate . --strict",
  },
};

/** Aligns `[left, right]` pairs into indented lines. */
function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

/** The global help: every command with one line, then config and exit codes. */
export function globalHelp(): string {
  const commands = Object.entries(COMMANDS).map(([name, c]) => [name, c.summary] as const);
  return [
    "autostack: deploy the Docker Compose stacks of a git repo, roll back what is not healthy",
    "",
    "Usage: autostack COMMAND [FLAGS]",
    "",
    "Commands:",
    ...columns([...commands, ["help", "this help; help COMMAND for a command's flags"]]),
    "",
    "Run `autostack COMMAND --help` (or `autostack help COMMAND`) for its flags and an example.",
    "Config: --config F, else $AUTOSTACK_CONFIG, else ./autostack.yaml (validate: --config F only).",
    "Exit codes: 0 all healthy or unchanged, 1 a stack failed, 2 bad config or usage,",
    "75 another run holds the lock. validate: 1 on errors (with --strict, on warnings too).",
  ].join("\n");
}

/** One command's help, or `undefined` for a name that is not a command. */
export function commandHelp(name: string): string | undefined {
  const c = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (c === undefined) return undefined;
  return [
    `autostack ${name}: ${c.summary}`,
    "",
    `Usage: autostack ${name} ${c.usage}`,
    "",
    "Flags:",
    ...columns(c.flags),
    "",
    "Example:",
    `  ${c.example}`,
  ].join("\n");
}
