import assert from "node:assert/strict";
import { join } from "node:path";
import { type Config, configPath, loadConfig, parseConfig } from "../../lib/config/mod.ts";
import { ConfigError } from "../../lib/errors.ts";
import { RESULTS } from "../../lib/outcome.ts";
import { withTempDir } from "../_temp.ts";

const FILE = "/etc/autostack/autostack.yaml";
const HOST = { hostname: "alpha" };
const MINIMAL = "repo: https://git.example.com/ops/stacks.git\nbase_dir: /srv/autostack\n";

/** Parses `text` as the config file at {@link FILE}. */
function parse(text: string | undefined, env: Record<string, string> = {}): Config {
  return parseConfig(text, FILE, env, HOST);
}

/** The problem lines of the ConfigError that `fn` throws. */
function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.equal(error.exitCode, 2);
    return error.problems;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("parseConfig() fills every optional key with its default", () => {
  assert.deepEqual(parse(MINIMAL), {
    repo: "https://git.example.com/ops/stacks.git",
    folders: ["."],
    base_dir: "/srv/autostack",
    mark_bad: true,
    defaults: {},
    notify: [],
    prune: false,
    jobs: 1,
    keep_releases: 3,
    history_max_bytes: 10_000_000,
    compose: ["docker", "compose"],
    hostname: "alpha",
    interval: 60_000,
    insecure_registries: [],
    configFile: FILE,
    warnings: [],
  });
});

Deno.test("parseConfig() reads insecure_registries as a list of hosts and refuses a URL", () => {
  assert.deepEqual(
    parse(`${MINIMAL}insecure_registries: registry.lan:5000\n`).insecure_registries,
    [
      "registry.lan:5000",
    ],
  );
  assert.throws(
    () => parse(`${MINIMAL}insecure_registries: [http://registry.lan/x]\n`),
    /config: insecure_registries\[0\]: must be a registry host\[:port\] or a list of them/,
  );
});

Deno.test("parseConfig() reads every key of a full file", () => {
  const config = parse(`${MINIMAL}
branch: production
folders: [apps, ./infra/]
mark_bad: false
defaults: { method: canary, health_timeout: 2m }
notify:
  - https://hooks.example.com/a
  - { url: "https://discord.com/api/webhooks/1", format: discord, on: [failed, rolled_back] }
  - { url: "https://ntfy.sh/t", headers: { Priority: "high" } }
  - { exec: "logger -t autostack", on: failed }
prune: true
jobs: 3
compose: podman compose
hostname: beta
interval: 5m
listen: 127.0.0.1:9000
webhook_secret: "s3cret"
`);
  assert.equal(config.branch, "production");
  assert.deepEqual(config.folders, ["apps", "infra"]);
  assert.equal(config.mark_bad, false);
  assert.deepEqual(config.defaults, { method: "canary", health_timeout: 120_000 });
  assert.deepEqual(config.notify, [
    { url: "https://hooks.example.com/a" },
    { url: "https://discord.com/api/webhooks/1", format: "discord", on: ["failed", "rolled_back"] },
    { url: "https://ntfy.sh/t", headers: { Priority: "high" } },
    { exec: "logger -t autostack", on: ["failed"] },
  ]);
  assert.equal(config.prune, true);
  assert.equal(config.jobs, 3);
  assert.deepEqual(config.compose, ["podman", "compose"]);
  assert.equal(config.hostname, "beta");
  assert.equal(config.interval, 300_000);
  assert.equal(config.listen, "127.0.0.1:9000");
  assert.equal(config.webhook_secret, "s3cret");
});

Deno.test("parseConfig() lets environment variables win over the file", () => {
  const config = parse(`${MINIMAL}jobs: 2\nprune: false\nfolders: [x]\n`, {
    AUTOSTACK_REPO: "git@example.com:ops/other.git",
    AUTOSTACK_BASE_DIR: "/var/lib/autostack",
    AUTOSTACK_FOLDERS: "apps, infra ,",
    AUTOSTACK_MARK_BAD: "no",
    AUTOSTACK_PRUNE: "1",
    AUTOSTACK_JOBS: "4",
    AUTOSTACK_INTERVAL: "90",
    AUTOSTACK_COMPOSE: "docker-compose",
    AUTOSTACK_WEBHOOK_SECRET: "12345",
    AUTOSTACK_DEFAULTS: '{"rollback": false}',
    AUTOSTACK_NOTIFY: "[https://hooks.example.com/x]",
    AUTOSTACK_BRANCH: "",
  });
  assert.equal(config.repo, "git@example.com:ops/other.git");
  assert.equal(config.base_dir, "/var/lib/autostack");
  assert.deepEqual(config.folders, ["apps", "infra"]);
  assert.equal(config.mark_bad, false);
  assert.equal(config.prune, true);
  assert.equal(config.jobs, 4);
  assert.equal(config.interval, 90_000);
  assert.deepEqual(config.compose, ["docker-compose"]);
  assert.equal(config.webhook_secret, "12345");
  assert.deepEqual(config.defaults, { rollback: false });
  assert.deepEqual(config.notify, [{ url: "https://hooks.example.com/x" }]);
  assert.equal(config.branch, undefined, "an empty variable counts as unset");
});

Deno.test("parseConfig() reads true/false/1/0/yes/no from boolean variables", () => {
  const cases: [string, boolean][] = [
    ["true", true],
    ["FALSE", false],
    ["1", true],
    ["0", false],
    ["yes", true],
    ["No", false],
  ];
  for (const [value, expected] of cases) {
    assert.equal(parse(MINIMAL, { AUTOSTACK_PRUNE: value }).prune, expected, value);
  }
});

Deno.test("parseConfig() reports variables that are not of the key's type, as typed", () => {
  const env = {
    AUTOSTACK_MARK_BAD: "maybe",
    AUTOSTACK_JOBS: "many",
    AUTOSTACK_NOTIFY: "{a: 1, a: 2}",
  };
  assert.deepEqual(problemsOf(() => parse(MINIMAL, env)), [
    'config: mark_bad: must be true or false: "maybe"',
    "config: notify: invalid YAML in AUTOSTACK_NOTIFY: Map keys must be unique",
    'config: jobs: must be a positive integer: "many"',
  ]);
});

Deno.test("parseConfig() names repo, base_dir and jobs, and nothing else, on three lines", () => {
  assert.deepEqual(problemsOf(() => parse("jobs: -1\n")), [
    "config: repo: required",
    "config: base_dir: required",
    "config: jobs: must be a positive integer: -1",
  ]);
});

Deno.test("parseConfig() reports every problem at once", () => {
  const text = `
repo: ""
branch: 7
folders: [apps, ../secrets, /etc]
base_dir: [a]
mark_bad: sometimes
defaults: { method: fancy }
notify: [ftp://x, { url: "https://x.example", format: teams, on: [bad] }, { exec: "" }, 3]
prune: 1
jobs: 1.5
compose: ""
hostname: false
interval: 0
listen: "localhost"
webhook_secret: 12345
`;
  assert.deepEqual(problemsOf(() => parse(text)), [
    'config: repo: must be a git URL or a path: ""',
    "config: branch: must be a branch name: 7",
    'config: folders[1]: must be a relative path inside the repo: "../secrets"',
    'config: folders[2]: must be a relative path inside the repo: "/etc"',
    'config: base_dir: must be a path: ["a"]',
    'config: mark_bad: must be true or false: "sometimes"',
    'config: defaults: method: must be one of blind, simple, canary: "fancy"',
    'config: notify[0].url: must be an http(s) URL: "ftp://x"',
    'config: notify[1].format: must be one of json, discord, slack, ntfy, gotify: "teams"',
    `config: notify[1].on[0]: must be one of ${RESULTS.join(", ")}: "bad"`,
    'config: notify[2].exec: must be a command (a non-empty string): ""',
    "config: notify[3]: must be a URL or a mapping with url or exec: 3",
    "config: prune: must be true or false: 1",
    "config: jobs: must be a positive integer: 1.5",
    "config: compose: must be a command such as docker compose: []",
    "config: hostname: must be a host name: false",
    "config: interval: must be a positive duration such as 30s, 5m or 1h: 0",
    'config: listen: must be an address such as 127.0.0.1:9000 or :9000: "localhost"',
    "config: webhook_secret: must be a string (quote it if it looks like a number)",
  ]);
});

Deno.test("parseConfig() shows a wrong notify URL without its path, query or user part", () => {
  const text = `${MINIMAL}notify:
  - htps://hooks.slack.com/services/T000/B000/SECRET
  - { url: "https://bob:SECRET@ntfy.example.com?auth=SECRET" }
  - { url: "hooks.slack.com/services/T000/B000/SECRET" }
  - { url: "SECRET-TOKEN" }
  - { url: ["https://discord.com/api/webhooks/1/SECRET"] }
`;
  const problems = problemsOf(() => parse(text));
  assert.deepEqual(problems, [
    'config: notify[0].url: must be an http(s) URL: "htps://hooks.slack.com/…"',
    'config: notify[2].url: must be an http(s) URL: "hooks.slack.com/…"',
    'config: notify[3].url: must be an http(s) URL: "…"',
    'config: notify[4].url: must be an http(s) URL: ["https://discord.com/…"]',
  ]);
  // notify[1] is a valid URL: accepted as it is, so never printed.
  assert.ok(problems.every((line) => !line.includes("SECRET")));
});

Deno.test("parseConfig() never prints the value of webhook_secret or of a notify header", () => {
  const text = `${MINIMAL}webhook_secret: 31415926
notify:
  - { url: "https://ntfy.sh/t", headers: { Authorization: 27182818, X-Token: [SECRET] } }
  - { url: "https://ntfy.sh/t", headers: "Authorization: Bearer SECRET" }
`;
  const problems = problemsOf(() => parse(text));
  assert.deepEqual(problems, [
    "config: notify[0].headers.Authorization: must be a string",
    "config: notify[0].headers.X-Token: must be a string",
    "config: notify[1].headers: must be a mapping of header names to values",
    "config: webhook_secret: must be a string (quote it if it looks like a number)",
  ]);
  const fromEnv = problemsOf(() => parse(MINIMAL, { AUTOSTACK_WEBHOOK_SECRET: "  " }));
  assert.deepEqual(fromEnv, [
    "config: webhook_secret: must be a string (quote it if it looks like a number)",
  ]);
  for (const line of [...problems, ...fromEnv]) {
    assert.ok(!/SECRET|31415926|27182818/.test(line), line);
  }
});

Deno.test("parseConfig() reads status_token from the file or AUTOSTACK_STATUS_TOKEN, never printing it", () => {
  assert.equal(parse(`${MINIMAL}status_token: "t0k"\n`).status_token, "t0k");
  assert.equal(parse(MINIMAL, { AUTOSTACK_STATUS_TOKEN: "fr0m-env" }).status_token, "fr0m-env");
  assert.equal(parse(MINIMAL).status_token, undefined);
  const problems = problemsOf(() => parse(`${MINIMAL}status_token: 27182818\n`));
  assert.deepEqual(problems, [
    "config: status_token: must be a string (quote it if it looks like a number)",
  ]);
});

Deno.test("parseConfig() hides credentials of any URL shown in a problem line", () => {
  assert.deepEqual(
    problemsOf(() => parse("repo: [https://bob:SECRET@git.example.com/x.git]\nbase_dir: /a\n")),
    ['config: repo: must be a git URL or a path: ["https://***@git.example.com/…"]'],
  );
});

Deno.test("parseConfig() expands ~ in base_dir and a local repo with HOME from the environment", () => {
  const config = parse("repo: ~/stacks\nbase_dir: ~/state\n", { HOME: "/home/op" });
  assert.equal(config.repo, "/home/op/stacks");
  assert.equal(config.base_dir, "/home/op/state");
  // A bare ~ is YAML's null: quoted, it is HOME.
  assert.equal(parse('repo: /r\nbase_dir: "~"\n', { HOME: "/home/op/" }).base_dir, "/home/op");
  const fromEnv = parse(MINIMAL, { HOME: "/root", AUTOSTACK_BASE_DIR: "~/x" });
  assert.equal(fromEnv.base_dir, "/root/x");
  const remote = parse("repo: ssh://git@host/~op/stacks.git\nbase_dir: /a/~b\n", { HOME: "/h" });
  assert.equal(remote.repo, "ssh://git@host/~op/stacks.git", "only a leading ~ is HOME");
  assert.equal(remote.base_dir, "/a/~b");
});

Deno.test("parseConfig() refuses ~ without HOME, and ~user, instead of making a folder named ~", () => {
  assert.deepEqual(problemsOf(() => parse("repo: ~/stacks\nbase_dir: ~/state\n")), [
    'config: repo: ~ needs $HOME, which is not set: "~/stacks"',
    'config: base_dir: ~ needs $HOME, which is not set: "~/state"',
  ]);
  assert.deepEqual(problemsOf(() => parse("repo: /r\nbase_dir: ~op/state\n", { HOME: "/h" })), [
    'config: base_dir: ~op is not supported, write the full path: "~op/state"',
  ]);
});

Deno.test("parseConfig() reports an unknown key inside a notify target", () => {
  assert.deepEqual(
    problemsOf(() => parse(`${MINIMAL}notify: [{ url: "https://x.example", formt: slack }]`)),
    [
      'config: notify[0]: unknown key: "formt"',
    ],
  );
});

Deno.test("parseConfig() resolves relative paths against the config file's folder", () => {
  const config = parse("repo: ../stacks\nbase_dir: state\n");
  assert.equal(config.repo, "/etc/stacks");
  assert.equal(config.base_dir, "/etc/autostack/state");
  const remote = parse("repo: git@example.com:ops/stacks.git\nbase_dir: /srv\n");
  assert.equal(remote.repo, "git@example.com:ops/stacks.git", "scp-like remotes stay as written");
  assert.equal(parse("repo: file:///srv/repo\nbase_dir: /srv\n").repo, "file:///srv/repo");
  assert.equal(parse("repo: ./a:b/c\nbase_dir: /srv\n").repo, "/etc/autostack/a:b/c");
});

Deno.test("parseConfig() names the file and line of invalid YAML", () => {
  assert.deepEqual(problemsOf(() => parse("repo: x\nbase_dir: /a\nrepo: y\n")), [
    `config: ${FILE}:3: invalid YAML: Map keys must be unique`,
  ]);
  assert.deepEqual(problemsOf(() => parse("repo: x\n\tbase_dir: /a\n")), [
    `config: ${FILE}:2: invalid YAML: Tabs are not allowed as indentation`,
  ]);
});

Deno.test("parseConfig() rejects a file that is not a mapping", () => {
  assert.deepEqual(problemsOf(() => parse("- repo: x\n")), [
    `config: ${FILE}: must be a mapping of keys`,
  ]);
});

Deno.test("parseConfig() warns about unknown keys and suggests the closest one", () => {
  const config = parse(`${MINIMAL}bse_dir: /x\ncolour: blue\ndefaults: { helth_timeout: 1m }\n`);
  assert.deepEqual(config.warnings, [
    "config: bse_dir: unknown key (did you mean base_dir?)",
    "config: colour: unknown key",
    "config: defaults: helth_timeout: unknown key (did you mean health_timeout?)",
  ]);
});

Deno.test("parseConfig() accepts a missing file when the environment has the required keys", () => {
  const config = parse(undefined, {
    AUTOSTACK_REPO: "/srv/repo",
    AUTOSTACK_BASE_DIR: "/srv/state",
  });
  assert.equal(config.configFile, "");
  assert.equal(config.repo, "/srv/repo");
});

Deno.test("configPath() prefers --config, then AUTOSTACK_CONFIG, then ./autostack.yaml", () => {
  const env = { AUTOSTACK_CONFIG: "/etc/autostack.yaml" };
  const flag = "--config";
  const fromEnv = "$AUTOSTACK_CONFIG";
  assert.deepEqual(configPath("my.yaml", env, "/home/op"), {
    path: "/home/op/my.yaml",
    namedBy: flag,
  });
  assert.deepEqual(configPath("/abs/my.yaml", env, "/op"), { path: "/abs/my.yaml", namedBy: flag });
  assert.deepEqual(configPath(undefined, env, "/home/op"), {
    path: "/etc/autostack.yaml",
    namedBy: fromEnv,
  });
  assert.deepEqual(configPath(undefined, { AUTOSTACK_CONFIG: "rel.yaml" }, "/w"), {
    path: "/w/rel.yaml",
    namedBy: fromEnv,
  });
  assert.deepEqual(configPath(undefined, {}, "/home/op"), { path: "/home/op/autostack.yaml" });
  assert.deepEqual(configPath(undefined, { AUTOSTACK_CONFIG: "" }, "/w"), {
    path: "/w/autostack.yaml",
  });
});

/** Runs `fn` with a fresh temp dir that is removed afterwards. */
Deno.test("loadConfig() reads a real file and resolves paths against its folder", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "autostack.yaml");
    await Deno.writeTextFile(file, "repo: ./stacks\nbase_dir: state\njobs: 2\n");
    const config = await loadConfig(file, { AUTOSTACK_JOBS: "3" }, HOST);
    assert.equal(config.configFile, file);
    assert.equal(config.repo, join(dir, "stacks"));
    assert.equal(config.base_dir, join(dir, "state"));
    assert.equal(config.jobs, 3);
    assert.equal(config.hostname, "alpha");
  });
});

Deno.test("loadConfig() reports a missing file with the keys it lacks", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "autostack.yaml");
    const error = await loadConfig({ path: file }, {}).catch((e: unknown) => e);
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems, [
      `config: ${file}: not found`,
      "config: repo: required",
      "config: base_dir: required",
    ]);
  });
});

Deno.test("loadConfig() runs without a file when the environment is enough", async () => {
  await withTempDir(async (dir) => {
    const env = { AUTOSTACK_REPO: "https://example.com/r.git", AUTOSTACK_BASE_DIR: dir };
    const config = await loadConfig({ path: join(dir, "none.yaml") }, env);
    assert.equal(config.configFile, "");
    assert.equal(config.base_dir, dir);
    assert.equal(typeof config.hostname, "string");
  });
});

Deno.test("loadConfig() refuses a missing file named by --config or AUTOSTACK_CONFIG, whatever the environment holds", async () => {
  await withTempDir(async (dir) => {
    const env = {
      AUTOSTACK_REPO: "https://example.com/r.git",
      AUTOSTACK_BASE_DIR: dir,
      AUTOSTACK_CONFIG: join(dir, "gone.yaml"),
    };
    const fromFlag = configPath("typo.yaml", env, dir);
    const fromEnv = configPath(undefined, env, dir);
    const plain = join(dir, "plain.yaml");
    for (
      const [choice, line] of [
        [fromFlag, `config: ${join(dir, "typo.yaml")}: not found (named by --config)`],
        [fromEnv, `config: ${join(dir, "gone.yaml")}: not found (named by $AUTOSTACK_CONFIG)`],
        [plain, `config: ${plain}: not found`],
      ] as const
    ) {
      const error = await loadConfig(choice, env).catch((e: unknown) => e);
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [line]);
      assert.equal(error.exitCode, 2);
    }
  });
});

Deno.test("autostack.example.yaml reads as the defaults, without a warning", async () => {
  const path = new URL("../../autostack.example.yaml", import.meta.url).pathname;
  const config = parseConfig(await Deno.readTextFile(path), path, {}, HOST);
  assert.deepEqual(config, {
    ...parse(MINIMAL),
    base_dir: "/var/lib/autostack",
    configFile: path,
  });
});

Deno.test("parseConfig() reads history_max_bytes and refuses a size under 1024", () => {
  assert.equal(parse(`${MINIMAL}history_max_bytes: 5000000\n`).history_max_bytes, 5_000_000);
  assert.deepEqual(problemsOf(() => parse(`${MINIMAL}history_max_bytes: 10\n`)), [
    `config: history_max_bytes: must be a whole number of bytes, 1024 or more (default 10000000): 10`,
  ]);
});
