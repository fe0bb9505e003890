/**
 * The config file `autostack init` writes: the keys it was given, each with a
 * comment saying what it is, and the keys an operator sets next (branch,
 * watch's listen and status_token, notify) commented out. Pure.
 * @module
 */

/** What `init` knows of the config. */
export interface ConfigAnswers {
  /** `repo`: a git URL or a path. */
  repo: string;
  /** `base_dir`, as given (a relative one is resolved against the config's folder). */
  baseDir: string;
  /** `folders`, as given. */
  folders: readonly string[];
}

/** A YAML scalar for any string: double-quoted (JSON's string syntax is YAML's too). */
const scalar = (value: string) => JSON.stringify(value);

/** The commented config text. Pure. */
export function renderConfig(a: ConfigAnswers): string {
  return `# autostack config, written by \`autostack init\`. Every key is explained in
# docs/configuration.md; autostack.example.yaml shows them all. Any key can also
# come from the environment: AUTOSTACK_<KEY> (AUTOSTACK_BASE_DIR …) wins over this file.

# The stacks repository: a git URL (https://…, ssh://…, git@host:path) or a local path.
repo: ${scalar(a.repo)}

# Watched folders, relative to the repo root: each folder below one of them that
# holds a compose file is a stack ("." is the whole repo).
folders: [${a.folders.map(scalar).join(", ")}]

# Where autostack keeps its state: the clone, running_stacks/, good_stacks/,
# history.jsonl, bad.json, the run lock.
base_dir: ${scalar(a.baseDir)}

# Branch to deploy. Default: the remote's default branch.
# branch: main

# \`autostack watch\`: time between runs, and the address of its status page,
# /healthz, /metrics and push webhooks (docs/watch-and-webhooks.md).
# interval: 60s
# listen: 127.0.0.1:9000
# A token the status page asks for (?token= or a bearer header); prefer
# AUTOSTACK_STATUS_TOKEN in the environment to keep it out of this file.
# status_token: change-me

# Where to say what happened: Discord, Slack, ntfy, Gotify, a URL or a command
# (docs/notifications.md).
# notify:
#   - https://ntfy.sh/my-topic
`;
}
