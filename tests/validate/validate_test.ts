/**
 * Unit tests of `autostack validate` without Docker: the pure parts (stack
 * discovery, the rules, compose output and error reading, the report) with
 * plain data, and the corpus under `testdata/validate/` run with compose
 * reported missing, so the raw-YAML fallback is what gets checked.
 * @module
 */
import { fakeRunner, memoryLogger } from "../_fakes.ts";
import assert from "node:assert/strict";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../lib/app.ts";
import type { Deps } from "../../lib/deps.ts";
import type { Runner } from "../../lib/process.ts";
import {
  exitCode,
  formatReport,
  reportJson,
  summaryLine,
  validateCheckout,
  ValidateJsonSchema,
} from "../../lib/validate/mod.ts";
import { composeLookalikes, findStackFolders } from "../../lib/validate/_find.ts";
import type { ListEntry } from "../../lib/repo/mod.ts";
import {
  checkCompose,
  composeMessage,
  configArgs,
  dependsOnHost,
  errorPath,
  readModel,
} from "../../lib/validate/_compose.ts";
import type { Finding, MountInfo, ServiceInfo, StackModel } from "../../lib/validate/_model.ts";
import { modelFindings, type RuleContext, scriptPath, ships } from "../../lib/validate/_rules.ts";
import { hostPort, locator, rawModel, rawMount, readComposeDoc } from "../../lib/validate/_yaml.ts";
import { testDeps } from "../_deps.ts";

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), "testdata", "validate");

/** A runner for which `docker compose` does not exist. */
const noDocker = (): Runner =>
  fakeRunner(() => ({ code: 127, stderr: "dax: docker: command not found\n" }));

/** Deps for `main()` that collect stdout, in `cwd`. */
function fakeDeps(cwd: string, runner: Runner = noDocker()): Deps & { lines: string[] } {
  const lines: string[] = [];
  const out = (line: string) => void lines.push(line);
  const now = () => new Date(0);
  return {
    ...testDeps({ runner, logger: memoryLogger(), cwd, hostname: "test", now, out }),
    lines,
  };
}

// ---- stack discovery ------------------------------------------------------

/** A checkout listing from file paths, with every folder they imply (as listCheckout gives it). */
function checkout(...files: string[]): ListEntry[] {
  const folders = new Set<string>();
  for (const file of files) {
    for (let dir = posix.dirname(file); dir !== "."; dir = posix.dirname(dir)) folders.add(dir);
  }
  return [
    ...[...folders].map((path) => ({ path, type: "tree" })),
    ...files.map((path) => ({ path, type: "blob", mode: "100644" })),
  ];
}

Deno.test("findStackFolders() without a config finds stacks at any depth, not inside stacks, not hidden", () => {
  const { stacks, findings } = findStackFolders(
    checkout(
      "stacks/web/compose.yaml",
      "stacks/web/conf/compose.yml",
      "apps/db/docker-compose.yml",
      ".github/workflows/compose.yaml",
      "stacks/.old/compose.yaml",
      "README.md",
    ),
    { rootName: "repo" },
  );
  assert.deepEqual(stacks.map((s) => [s.path, s.name, s.composeFile]), [
    ["apps/db", "db", "docker-compose.yml"],
    ["stacks/web", "web", "compose.yaml"],
  ]);
  assert.deepEqual(findings, []);
});

Deno.test("findStackFolders() takes the first compose file name in discovery's order", () => {
  const { stacks } = findStackFolders(
    checkout("web/docker-compose.yaml", "web/compose.yml"),
    { rootName: "r" },
  );
  assert.equal(stacks[0]?.composeFile, "compose.yml");
});

Deno.test("findStackFolders() names a stack at the checkout root after the root folder", () => {
  const { stacks } = findStackFolders(checkout("compose.yaml"), { rootName: "My_Stacks" });
  assert.deepEqual(stacks.map((s) => [s.name, s.path, s.composeFile]), [
    ["my_stacks", ".", "compose.yaml"],
  ]);
});

Deno.test("findStackFolders() with watched folders finds what a run finds, and warns on deeper ones", () => {
  const { stacks, findings } = findStackFolders(
    checkout(
      "stacks/web/compose.yaml",
      "stacks/web/sub/compose.yaml",
      "stacks/platform/auth/compose.yaml",
      "other/x/compose.yaml",
      "app/compose.yaml",
    ),
    {
      watched: ["./stacks/", "app", "gone"],
      rootName: "repo",
      config: { file: "a.yaml", line: 3 },
    },
  );
  assert.deepEqual(stacks.map((s) => s.path), ["app", "stacks/web"]);
  assert.deepEqual(findings, [{
    level: "error",
    rule: "missing-folder",
    folder: "gone",
    file: "a.yaml",
    line: 3,
    message: 'watched folder "gone" does not exist in the checkout',
  }, {
    level: "warning",
    rule: "not-a-stack",
    folder: "stacks/platform/auth",
    file: "stacks/platform/auth/compose.yaml",
    message: "a compose file deeper than a stack folder: a run does not deploy it " +
      "(set nested: true in the config)",
  }]);
  const nested = findStackFolders(
    checkout("stacks/platform/auth/compose.yaml", "stacks/web/compose.yaml"),
    { watched: ["stacks"], nested: true, rootName: "repo" },
  );
  assert.deepEqual(nested.stacks.map((s) => s.name), ["auth", "web"]);
  assert.deepEqual(nested.findings, []);
});

Deno.test("findStackFolders() reports deploy settings in a folder without a compose file", () => {
  const { stacks, findings } = findStackFolders(
    checkout("api/deploy.yml", "api/README.md", "infra/caddy-deploy.yaml", "infra/x-compose.yaml"),
    { rootName: "r" },
  );
  assert.deepEqual(stacks.map((s) => s.name), ["x"]);
  assert.deepEqual(findings.map((f) => [f.rule, f.file, f.message]), [
    [
      "missing-compose",
      "api/deploy.yml",
      "deploy settings but no compose file (compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml)",
    ],
    [
      "missing-compose",
      "infra/caddy-deploy.yaml",
      "deploy settings but no compose file (caddy-compose.yaml)",
    ],
  ]);
});

Deno.test("findStackFolders() refuses folders whose names normalise to the same name", () => {
  const { findings } = findStackFolders(
    checkout("a/Web/compose.yaml", "a/web/compose.yaml", "c/_-/compose.yaml"),
    { rootName: "r" },
  );
  assert.deepEqual(findings.map((f) => [f.file, f.rule]), [
    ["c/_-/compose.yaml", "duplicate-name"],
    ["a/Web/compose.yaml", "duplicate-name"],
    ["a/web/compose.yaml", "duplicate-name"],
  ]);
  assert.match(findings[0]!.message, /no letter or digit/);
  assert.match(findings[1]!.message, /"web" is also the name of "a\/web"/);
});

Deno.test("findStackFolders() takes NAME-compose.yaml files as stacks, with the files they use", () => {
  const texts = new Map([[
    "infra/caddy-compose.yaml",
    "services:\n  caddy:\n    image: caddy\n    volumes: [./caddy:/etc/caddy:ro]\n",
  ]]);
  const { stacks, findings } = findStackFolders(
    checkout(
      "infra/caddy-compose.yaml",
      "infra/caddy/Caddyfile",
      "infra/komodo.compose.yml",
      "infra/komodo-deploy.yaml",
      "infra/notes.yaml",
    ),
    { rootName: "r", texts },
  );
  assert.deepEqual(findings, []);
  assert.deepEqual(stacks.map((s) => [s.name, s.composeFile, s.files?.map((f) => f.from)]), [
    ["caddy", "caddy-compose.yaml", ["caddy-compose.yaml", "caddy/Caddyfile"]],
    ["komodo", "komodo.compose.yml", ["komodo-deploy.yaml", "komodo.compose.yml"]],
  ]);
});

Deno.test("findStackFolders() refuses a stack whose compose file is a symbolic link", () => {
  const entries = checkout("web/compose.yaml", "api/compose.yaml", "api/data");
  const links = new Map([["web/compose.yaml", "../api/compose.yaml"], ["api/data", "/etc"]]);
  const marked = entries.map((e) => links.has(e.path) ? { ...e, mode: "120000" } : e);
  const { stacks, findings } = findStackFolders(marked, { rootName: "r", links });
  assert.deepEqual(stacks, []);
  assert.deepEqual(findings.map((f) => [f.rule, f.file, f.message]), [
    [
      "symlink",
      "web/compose.yaml",
      "web/compose.yaml is a symbolic link (compose and deploy files must be plain files); refused",
    ],
    [
      "symlink",
      "api/data",
      "api/data is a symbolic link that leads outside the stack folder; refused",
    ],
  ]);
});

Deno.test("composeLookalikes() warns on YAML with services: that is no stack, and reads no link", async () => {
  const root = await Deno.makeTempDir({ prefix: "autostack-validate-" });
  try {
    await Deno.mkdir(join(root, "infra"));
    await Deno.writeTextFile(join(root, "infra", "tunnel.yaml"), "x: 1\nservices:\n  a: {}\n");
    await Deno.writeTextFile(join(root, "infra", "config.yaml"), "tunnel: abc\n");
    await Deno.writeTextFile(join(root, "secret.yaml"), "services: {}\n");
    await Deno.symlink(join(root, "secret.yaml"), join(root, "infra", "link.yaml"));
    const findings = await composeLookalikes(root, [
      { path: "infra/tunnel.yaml", kind: "not-compose", why: "" },
      { path: "infra/config.yaml", kind: "not-compose", why: "" },
      { path: "infra/link.yaml", kind: "not-compose", why: "" },
    ]);
    assert.deepEqual(findings.map((f) => [f.rule, f.file, f.line]), [
      ["not-a-stack", "infra/tunnel.yaml", 2],
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

// ---- reading compose files ------------------------------------------------

Deno.test("readComposeDoc() gives the line of a syntax error", () => {
  const read = readComposeDoc("services:\n  web:\n    image: x\n   ports: [1]\n", "c.yaml");
  assert.equal(read.ok, false);
  assert.equal(!read.ok && read.line, 4);
  assert.match(!read.ok ? read.message : "", /^invalid YAML: /);
});

Deno.test("locator() finds keys, list items and the deepest key that exists", () => {
  const text = [
    "x-h: &h",
    "  healthcheck: {test: [CMD, 'true']}",
    "services:",
    "  web:",
    "    <<: *h",
    "    volumes:",
    "      - ./a:/a",
    "      - {type: bind, source: ./b, target: /b}",
  ].join("\n");
  const read = readComposeDoc(text, "s/compose.yaml");
  assert.ok(read.ok);
  const locate = locator([read.doc], "s/compose.yaml");
  assert.deepEqual(locate(["services", "web"]), { file: "s/compose.yaml", line: 4 });
  assert.deepEqual(locate(["services", "web", "volumes"], (v) => isTarget(v, "/b")), {
    file: "s/compose.yaml",
    line: 8,
  });
  // Merged in through `<<`: not written under the service, so the service's line.
  assert.deepEqual(locate(["services", "web", "healthcheck"]), { file: "s/compose.yaml", line: 4 });
  assert.deepEqual(locate(["volumes", "data"]), { file: "s/compose.yaml" });
  // The merge key is applied to the plain value the rules read.
  assert.equal(rawModel([read.doc], "/s").services[0]?.healthcheck, "yes");
});

function isTarget(value: unknown, target: string): boolean {
  return typeof value === "object" && value !== null && "target" in value &&
    value.target === target;
}

Deno.test("locator() prefers the override file that holds the deeper key", () => {
  const main = readComposeDoc("services:\n  web:\n    image: x\n", "s/compose.yaml");
  const prod = readComposeDoc("services:\n  web:\n    ports: ['80:80']\n", "s/prod.yaml");
  assert.ok(main.ok && prod.ok);
  const locate = locator([main.doc, prod.doc], "s/compose.yaml");
  assert.deepEqual(locate(["services", "web", "ports"]), { file: "s/prod.yaml", line: 3 });
  assert.deepEqual(locate(["services", "web"]), { file: "s/compose.yaml", line: 2 });
});

Deno.test("hostPort() tells published host ports from container-only ones", () => {
  const cases: [unknown, string | undefined][] = [
    ["80", undefined],
    [80, undefined],
    ["8080:80", "8080"],
    ["8080:80/udp", "8080"],
    ["127.0.0.1:8443:443", "127.0.0.1:8443"],
    ["127.0.0.1::9000", undefined],
    ["[::1]:53:53", "[::1]:53"],
    [{ target: 80, published: "8080", host_ip: "0.0.0.0" }, "0.0.0.0:8080"],
    [{ target: 80, published: 8080 }, "8080"],
    [{ target: 80 }, undefined],
  ];
  for (const [entry, expected] of cases) assert.equal(hostPort(entry), expected, String(entry));
});

Deno.test("rawMount() reads short and long volume syntax, and skips ${VAR} paths", () => {
  assert.deepEqual(rawMount("./conf/a.conf:/etc/a.conf:ro,z", "/s"), {
    kind: "bind",
    source: "/s/conf/a.conf",
    target: "/etc/a.conf",
    readOnly: true,
  });
  assert.deepEqual(rawMount("data:/data", "/s"), {
    kind: "named",
    source: "data",
    target: "/data",
    readOnly: false,
  });
  assert.deepEqual(rawMount("/cache", "/s"), {
    kind: "anonymous",
    target: "/cache",
    readOnly: false,
  });
  assert.deepEqual(rawMount({ type: "volume", target: "/t" }, "/s")?.kind, "anonymous");
  assert.deepEqual(rawMount({ type: "tmpfs", target: "/run" }, "/s")?.kind, "other");
  assert.equal(rawMount("${DATA}/x:/x", "/s"), undefined);
  assert.equal(rawMount({ type: "bind", source: "${D}", target: "/d" }, "/s"), undefined);
});

// ---- compose config -------------------------------------------------------

Deno.test("configArgs() builds the compose config command line", () => {
  const project = {
    command: ["docker", "compose"],
    project: "web",
    dir: "/c/web",
    files: ["/c/web/compose.yaml"],
  };
  assert.deepEqual(configArgs(project, false), [
    "docker",
    "compose",
    "--profile",
    "*",
    "-p",
    "web",
    "--project-directory",
    "/c/web",
    "-f",
    "/c/web/compose.yaml",
    "config",
    "--format",
    "json",
    "--no-interpolate",
  ]);
});

const NORMALISED = {
  name: "web",
  services: {
    web: {
      image: "x",
      container_name: "web-1",
      healthcheck: { test: ["CMD", "true"] },
      ports: [{ mode: "ingress", target: 80, published: "8080", protocol: "tcp" }],
      volumes: [
        { type: "volume", source: "data", target: "/data", volume: {} },
        { type: "bind", source: "/c/web/conf", target: "/conf", read_only: true },
        { type: "volume", target: "/anon", volume: {} },
      ],
      secrets: [{ source: "s", target: "/run/secrets/s" }],
    },
    off: { image: "y", healthcheck: { disable: true } },
    plain: { image: "z", ports: ["${PORT}:80"] },
  },
  volumes: { data: { name: "web_data" }, ext: { name: "ext", external: true } },
};

Deno.test("readModel() reads the normalised model compose prints", () => {
  const check = readModel(JSON.stringify(NORMALISED), "/c/web");
  assert.equal(check.kind, "ok");
  const model = check.kind === "ok" ? check.model : undefined;
  assert.deepEqual(model?.volumes, { data: { external: false }, ext: { external: true } });
  assert.deepEqual(model?.services.map((s) => [s.name, s.healthcheck, s.hostPorts]), [
    ["web", "yes", ["8080"]],
    ["off", "disabled", []],
    ["plain", "no", ["${PORT}"]],
  ]);
  assert.deepEqual(model?.services[0]?.mounts.map((m) => [m.kind, m.source, m.readOnly]), [
    ["named", "data", false],
    ["bind", "/c/web/conf", true],
    ["anonymous", undefined, false],
  ]);
  assert.equal(model?.services[0]?.containerName, "web-1");
});

Deno.test("readModel() skips output of a shape it does not know instead of crashing", () => {
  assert.equal(readModel("not json", "/d").kind, "skipped");
  assert.equal(
    readModel(JSON.stringify({ services: { web: { ports: 80 } } }), "/d").kind,
    "skipped",
  );
});

Deno.test("composeMessage() drops log noise and makes checkout paths relative", () => {
  const stderr = 'time="2024" level=warning msg="The \\"X\\" variable is not set."\n' +
    "validating /c/stacks/web/compose.yaml: services.web Additional property imagee is not allowed\n";
  assert.equal(
    composeMessage(stderr, "/c"),
    "services.web Additional property imagee is not allowed",
  );
  assert.equal(composeMessage("", "/c"), "docker compose config failed");
});

Deno.test("errorPath() finds the model path an error names", () => {
  assert.deepEqual(errorPath("services.web Additional property imagee is not allowed"), [
    "services",
    "web",
    "imagee",
  ]);
  assert.deepEqual(errorPath("error decoding 'services[web].healthcheck.interval': bad"), [
    "services",
    "web",
    "healthcheck",
    "interval",
  ]);
  assert.equal(errorPath("empty compose file"), undefined);
});

Deno.test("dependsOnHost() blames unset variables and env files outside the checkout", () => {
  assert.ok(dependsOnHost("required variable TAG is missing a value", "/c"));
  assert.ok(dependsOnHost("env file /etc/app.env not found: stat", "/c"));
  assert.ok(!dependsOnHost("env file /c/web/app.env not found: stat", "/c"));
  assert.ok(!dependsOnHost("services.web.ports must be a list", "/c"));
});

Deno.test("checkCompose() retries without interpolation when a variable is missing", async () => {
  const runner = fakeRunner((cmd) =>
    cmd.includes("--no-interpolate")
      ? { stdout: JSON.stringify({ services: { web: { image: "${TAG}" } } }) }
      : { code: 15, stderr: "required variable TAG is missing a value: set TAG\n" }
  );
  const project = {
    command: ["docker", "compose"],
    project: "w",
    dir: "/c/w",
    files: ["/c/w/compose.yaml"],
  };
  const check = await checkCompose(runner, project, "/c");
  assert.equal(check.kind, "ok");
  assert.match(check.kind === "ok" ? check.note ?? "" : "", /without variable substitution.*TAG/);
  assert.equal(runner.calls.length, 2);
});

Deno.test("checkCompose() reports a file compose refuses, with the path it names", async () => {
  const runner = fakeRunner(() => ({
    code: 15,
    stderr: "validating /c/w/compose.yaml: services.web.ports must be a list\n",
  }));
  const project = {
    command: ["docker", "compose"],
    project: "w",
    dir: "/c/w",
    files: ["/c/w/compose.yaml"],
  };
  assert.deepEqual(await checkCompose(runner, project, "/c"), {
    kind: "invalid",
    message: "services.web.ports must be a list",
    file: "/c/w/compose.yaml",
    path: ["services", "web", "ports"],
  });
  assert.equal(runner.calls.length, 1);
});

// ---- the rules ------------------------------------------------------------

function service(name: string, extra: Partial<ServiceInfo> = {}): ServiceInfo {
  return { name, healthcheck: "yes", hostPorts: [], mounts: [], ...extra };
}

function rules(model: StackModel, extra: Partial<RuleContext> = {}): Finding[] {
  return modelFindings(model, {
    folder: "s/web",
    stack: "web",
    dir: "/c/s/web",
    files: new Set(["conf/a.conf", "html/index.html", "data/.gitkeep"]),
    locate: () => ({ file: "s/web/compose.yaml" }),
    ...extra,
  });
}

Deno.test("rule 4: a stack with no healthcheck at all gets one warning, not one per service", () => {
  const none = rules({
    services: [service("a", { healthcheck: "no" }), service("b", { healthcheck: "no" })],
    volumes: {},
  });
  assert.equal(none.length, 1);
  assert.match(none[0]!.message, /^no service has a healthcheck/);
  const some = rules({
    services: [
      service("a"),
      service("b", { healthcheck: "no" }),
      service("c", { healthcheck: "disabled" }),
    ],
    volumes: {},
  });
  assert.deepEqual(some.map((f) => f.message), [
    'service "b" has no healthcheck (unless its image has one) (rule 4)',
  ]);
});

Deno.test("rule 4: a one-shot job that another service waits for needs no healthcheck", () => {
  const text = [
    "services:",
    "  web:",
    "    image: x",
    "    healthcheck: {test: [CMD, 'true']}",
    "    depends_on: {seed: {condition: service_completed_successfully}}",
    "  seed: {image: x}",
    "  worker: {image: x, depends_on: [seed]}",
  ].join("\n");
  const read = readComposeDoc(text, "s/web/compose.yaml");
  assert.ok(read.ok);
  const model = rawModel([read.doc], "/c/s/web");
  assert.deepEqual(model.services.map((s) => [s.name, s.oneShot ?? false]), [
    ["web", false],
    ["seed", true],
    ["worker", false],
  ]);
  assert.deepEqual(rules(model).map((f) => f.message.split(" has")[0]), ['service "worker"']);
});

Deno.test("rule 4: a disabled healthcheck is a choice, and an unknown one is not blamed", () => {
  const findings = rules({
    services: [service("a", { healthcheck: "disabled" }), service("b", { healthcheck: "unknown" })],
    volumes: {},
  });
  assert.deepEqual(findings, []);
});

Deno.test("rule 2: named volumes warn once each; external and unused ones do not", () => {
  const findings = rules({
    services: [
      service("a", { mounts: [{ kind: "named", source: "data", target: "/d", readOnly: false }] }),
      service("b", {
        mounts: [
          { kind: "named", source: "data", target: "/d", readOnly: true },
          { kind: "named", source: "ext", target: "/e", readOnly: false },
        ],
      }),
    ],
    volumes: { data: { external: false }, ext: { external: true }, unused: { external: false } },
  });
  assert.deepEqual(findings.map((f) => [f.rule, f.message.split(" does")[0]]), [
    ["named-volume", 'named volume "data" (a, b)'],
  ]);
});

Deno.test("rule 3: writable binds of unshipped paths in the stack folder warn", () => {
  const bind = (source: string, readOnly = false): MountInfo => ({
    kind: "bind",
    source,
    target: `/t${source}`,
    readOnly,
  });
  const findings = rules({
    services: [service("a", {
      mounts: [
        bind("/c/s/web/conf/a.conf", true),
        bind("/c/s/web/html"),
        bind("/c/s/web/data"),
        bind("/c/s/web/logs"),
        bind("/c/s/web/cache", true),
        bind("/c/s/shared"),
        bind("/srv/a"),
      ],
    })],
    volumes: {},
  });
  assert.deepEqual(findings.map((f) => f.message.split(" writable")[0]), [
    'service "a" mounts ./data',
    'service "a" mounts ./logs',
  ]);
});

Deno.test("ships() counts a folder holding only placeholders as not shipped", () => {
  const files = new Set(["conf/a.conf", "data/.gitkeep", "web/.keep", "web/index.html"]);
  assert.ok(ships(files, ""));
  assert.ok(ships(files, "conf"));
  assert.ok(ships(files, "conf/a.conf"));
  assert.ok(ships(files, "web"));
  assert.ok(!ships(files, "data"));
  assert.ok(!ships(files, "conf/b.conf"));
});

Deno.test("canary stacks warn on host ports and container_name; other methods do not", () => {
  const model = {
    services: [service("web", { hostPorts: ["8080"], containerName: "web" }), service("side")],
    volumes: {},
  };
  assert.deepEqual(rules(model, { method: "simple" }), []);
  assert.deepEqual(rules(model, { method: "canary" }).map((f) => f.message.split(":")[0]), [
    'service "web" publishes host port 8080',
    'service "web" sets container_name "web"',
  ]);
});

Deno.test("scriptPath() finds the script a command runs from the checkout", () => {
  const cases: [string, ReturnType<typeof scriptPath>][] = [
    ["./scripts/x.sh --fast", { path: "./scripts/x.sh", direct: true }],
    ["scripts/x.sh", { path: "scripts/x.sh", direct: true }],
    ["FOO=1 BAR=2 ./x/y.sh", { path: "./x/y.sh", direct: true }],
    ["sh scripts/x.sh", { path: "scripts/x.sh", direct: false }],
    ["bash '../shared/x.sh'", { path: "../shared/x.sh", direct: false }],
    ["echo done", undefined],
    ["/usr/local/bin/x.sh", undefined],
    ["sh -c 'x'", undefined],
    ["$HOME/x.sh", undefined],
    ["./x.sh && ./y.sh", { path: "./x.sh", direct: true }],
  ];
  for (const [command, expected] of cases) assert.deepEqual(scriptPath(command), expected, command);
});

// ---- the report -----------------------------------------------------------

const finding = (
  level: Finding["level"],
  file: string,
  message: string,
  line?: number,
): Finding => ({
  level,
  rule: "named-volume",
  folder: "s/a",
  stack: "a",
  file,
  ...(line === undefined ? {} : { line }),
  message,
});

Deno.test("formatReport() aligns one line per finding and ends with the summary", () => {
  const report = {
    root: "/c",
    stacks: [{ name: "a", path: "s/a", composeFile: "compose.yaml" }],
    findings: [
      finding("error", "s/a/compose.yaml", "bad", 12),
      finding("warning", "s/a/deploy.yaml", "meh"),
      { ...finding("note", "", "compose missing"), folder: "" },
    ],
  };
  assert.deepEqual(formatReport(report), [
    "error    s/a/compose.yaml:12  bad",
    "warning  s/a/deploy.yaml      meh",
    "note: compose missing",
    "1 stack checked: 1 error, 1 warning",
  ]);
  assert.equal(exitCode(report, false), 1);
  const json = ValidateJsonSchema.parse(JSON.parse(JSON.stringify(reportJson(report, false))));
  assert.deepEqual(json.summary, { stacks: 1, errors: 1, warnings: 1, notes: 1 });
  assert.equal(json.findings[1]?.line, null);
});

Deno.test("exitCode() fails on warnings only with --strict; notes never fail", () => {
  const report = {
    root: "/c",
    stacks: [],
    findings: [finding("warning", "f", "w"), finding("note", "f", "n")],
  };
  assert.equal(exitCode(report, false), 0);
  assert.equal(exitCode(report, true), 1);
  assert.equal(exitCode({ ...report, findings: [finding("note", "f", "n")] }, true), 0);
  assert.equal(
    summaryLine({ stacks: 3, errors: 1, warnings: 2, notes: 0 }),
    "3 stacks checked: 1 error, 2 warnings",
  );
});

// ---- the corpus, without Docker -------------------------------------------

/** The expected output of a corpus case read as YAML only. */
async function expectedWithoutDocker(dir: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(dir, "expected.nodocker.txt")).catch(() =>
    Deno.readTextFile(join(dir, "expected.txt"))
  );
  // Per-stack notes come from compose, which this run does not have.
  return text.split("\n").filter((l) => l !== "" && !/^note\s/.test(l));
}

for (const entry of [...Deno.readDirSync(CORPUS)].filter((e) => e.isDirectory)) {
  Deno.test(`validate on testdata/validate/${entry.name} without Docker prints the expected findings`, async () => {
    const dir = join(CORPUS, entry.name);
    const hasConfig = await Deno.stat(join(dir, "autostack.yaml")).then(() => true, () => false);
    const deps = fakeDeps(dir);
    const code = await main(
      ["validate", ".", ...(hasConfig ? ["--config", "autostack.yaml"] : [])],
      deps,
    );
    const expected = await expectedWithoutDocker(dir);
    const notes = deps.lines.filter((l) => l.startsWith("note: "));
    assert.equal(notes.length, 1, "the skipped compose check is said once");
    assert.match(notes[0]!, /docker compose is not available .*only read as YAML/);
    assert.deepEqual(deps.lines.filter((l) => !l.startsWith("note: ")), expected);
    assert.equal(code, expected.some((l) => l.startsWith("error")) ? 1 : 0);
  });
}

Deno.test("validate does not need a config file and refuses a path that is not a folder", async () => {
  const empty = await Deno.makeTempDir({ prefix: "autostack-validate-" });
  try {
    const deps = fakeDeps(empty);
    assert.equal(await main(["validate"], deps), 0);
    assert.deepEqual(deps.lines, ["0 stacks checked: 0 errors, 0 warnings"]);
    await assert.rejects(main(["validate", "nope"], fakeDeps(empty)), /"nope" is not a folder/);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("validateCheckout() with compose: null reads YAML only and says nothing about it", async () => {
  const report = await validateCheckout({
    root: join(CORPUS, "clean"),
    runner: noDocker(),
    compose: null,
  });
  assert.deepEqual(report.findings, []);
  assert.equal(report.stacks.length, 2);
});

Deno.test("validate notes compose_files outside the checkout instead of failing on them", async () => {
  const root = await Deno.makeTempDir({ prefix: "autostack-validate-" });
  try {
    await Deno.mkdir(join(root, "web"));
    await Deno.writeTextFile(
      join(root, "web", "compose.yaml"),
      "services:\n  web:\n    image: x\n    healthcheck: {test: [CMD, 'true']}\n",
    );
    await Deno.writeTextFile(
      join(root, "web", "deploy.yaml"),
      "compose_files: [/etc/stacks/web.yaml, ../../host.yaml]\n",
    );
    const report = await validateCheckout({ root, runner: noDocker(), compose: null });
    assert.deepEqual(report.findings.map((f) => [f.level, f.rule, f.file, f.line]), [
      ["note", "missing-compose-file", "web/deploy.yaml", 1],
      ["note", "missing-compose-file", "web/deploy.yaml", 1],
    ]);
    assert.equal(exitCode(report, true), 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("readModel() takes Docker 25+ keys (depends_on.required, healthcheck.start_interval) in its stride", () => {
  const check = readModel(
    JSON.stringify({
      services: {
        web: {
          healthcheck: {
            test: ["CMD", "true"],
            interval: "30s",
            start_period: "20s",
            start_interval: "1s",
          },
          depends_on: {
            migrate: { condition: "service_completed_successfully", required: true },
            cache: { condition: "service_started", required: false },
          },
        },
        migrate: { image: "x" },
        cache: { image: "x" },
      },
    }),
    "/c/web",
  );
  assert.equal(check.kind, "ok");
  const services = check.model.services;
  assert.equal(services.find((s) => s.name === "web")?.healthcheck, "yes");
  // Still a one-shot the gate waits to exit 0, with or without `required`.
  assert.equal(services.find((s) => s.name === "migrate")?.oneShot, true);
  assert.equal(services.find((s) => s.name === "cache")?.oneShot, undefined);
});

Deno.test("validate --config without PATH checks the clone under base_dir, and says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "autostack-validate-" });
  try {
    await Deno.writeTextFile(
      join(dir, "autostack.yaml"),
      "repo: https://user:secret@git.example.com/stacks.git\nbase_dir: base\nfolders: [apps]\n",
    );
    // Stacks in the current folder are not the configured repo's: they are not checked.
    await Deno.mkdir(join(dir, "apps", "here"), { recursive: true });
    await Deno.writeTextFile(join(dir, "apps", "here", "compose.yaml"), "services: {}\n");
    await assert.rejects(
      main(["validate", "--config", "autostack.yaml"], fakeDeps(dir)),
      /^UsageError: validate: no clone of the repo in .*base\/repo yet: run autostack run first/,
    );
    const clone = join(dir, "base", "repo", "apps", "web");
    await Deno.mkdir(clone, { recursive: true });
    await Deno.writeTextFile(
      join(clone, "compose.yaml"),
      "services:\n  web:\n    image: busybox\n",
    );
    const deps = fakeDeps(dir);
    await main(["validate", "--config", "autostack.yaml"], deps);
    assert.equal(
      deps.lines[0],
      `checking the clone of https://user:***@git.example.com/stacks.git in ${
        join(dir, "base", "repo")
      }, folders: apps`,
    );
    assert.match(deps.lines.at(-1)!, /^1 stack checked: 0 errors/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
