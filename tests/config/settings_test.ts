import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checkSettingsObject,
  type DeploySettings,
  formatProblem,
  loadSettings,
  parseSettings,
  SETTINGS_DEFAULTS,
  type SettingsResult,
} from "../../lib/config/mod.ts";
import { withTempDir } from "../_temp.ts";

const COMPOSE = "stacks/web/compose.yaml";
const DEPLOY = "stacks/web/deploy.yaml";

/** Settings from a compose file made of `lines`. */
function fromBlock(lines: string[], eol = "\n"): SettingsResult {
  return parseSettings({ composeFile: { file: COMPOSE, text: lines.join(eol) } });
}

/** Settings from a deploy.yaml with `text`. */
function fromFile(text: string, defaults?: Partial<DeploySettings>): SettingsResult {
  return parseSettings({ deployFile: { file: DEPLOY, text }, defaults });
}

const messages = (r: SettingsResult, which: "errors" | "warnings" = "errors") =>
  r[which].map(formatProblem);

Deno.test("parseSettings() uses the built-in defaults when there is no source", () => {
  const result = parseSettings({});
  assert.deepEqual(result, {
    settings: SETTINGS_DEFAULTS,
    source: "none",
    warnings: [],
    errors: [],
  });
});

Deno.test("parseSettings() reads a block whose lines have '#' with and without a space", () => {
  const result = fromBlock([
    "# Deploy Start #",
    "# method: canary",
    "#health_timeout: 2m",
    "  # rollback: false",
    "# Deploy End #",
  ]);
  assert.deepEqual(result.errors, []);
  assert.equal(result.source, "compose_block");
  assert.equal(result.settings?.method, "canary");
  assert.equal(result.settings?.health_timeout, 120_000);
  assert.equal(result.settings?.rollback, false, "whitespace before '#' is stripped");
});

Deno.test("parseSettings() reads a block from a CRLF compose file", () => {
  const result = fromBlock(
    ["services: {}", "# Deploy Start #", "# method: blind", "# drain: 1s", "# Deploy End #", ""],
    "\r\n",
  );
  assert.deepEqual(result.errors, []);
  assert.equal(result.settings?.method, "blind");
  assert.equal(result.settings?.drain, 1000);
});

Deno.test("parseSettings() reads a deploy file with CRLF line ends", () => {
  const result = fromFile("method: canary\r\nhosts:\r\n  - a\r\n  - b\r\n");
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.settings?.hosts, ["a", "b"]);
});

Deno.test("parseSettings() reads nested YAML inside the block", () => {
  const result = fromBlock([
    "# Deploy Start #",
    "# hosts:",
    "#   - alpha",
    "#   - beta",
    "# compose_files:",
    "#   - compose.prod.yaml",
    "# Deploy End #",
  ]);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.settings?.hosts, ["alpha", "beta"]);
  assert.deepEqual(result.settings?.compose_files, ["compose.prod.yaml"]);
});

Deno.test("parseSettings() reports a start marker without an end marker, naming file and line", () => {
  const result = fromBlock(["services: {}", "", "# Deploy Start #", "# method: blind"]);
  assert.equal(result.settings, undefined);
  assert.deepEqual(messages(result), [
    `${COMPOSE}:3: "# Deploy Start #" has no "# Deploy End #" after it`,
  ]);
});

Deno.test("parseSettings() ignores the compose text before and after the block", () => {
  const result = fromBlock([
    "# A web stack",
    "services:",
    "  web:",
    "    image: nginx # method: blind",
    "    # Deploy Start #",
    "    # method: canary",
    "    # Deploy End #",
    "volumes: {}",
    "# hosts: [never]",
  ]);
  assert.deepEqual(result.errors, []);
  assert.equal(result.settings?.method, "canary");
  assert.equal(result.settings?.hosts, undefined);
});

Deno.test("parseSettings() treats an empty block as no settings", () => {
  const result = fromBlock(["# Deploy Start #", "#", "", "# Deploy End #", "services: {}"]);
  assert.deepEqual(result, {
    settings: SETTINGS_DEFAULTS,
    source: "compose_block",
    warnings: [],
    errors: [],
  });
});

Deno.test("parseSettings() treats an empty deploy file as no settings", () => {
  const result = fromFile("# nothing here yet\n");
  assert.deepEqual(result.settings, SETTINGS_DEFAULTS);
  assert.deepEqual(result.errors, []);
});

Deno.test("parseSettings() prefers the deploy file and warns that the block was ignored", () => {
  const result = parseSettings({
    deployFile: { file: DEPLOY, text: "method: blind\n" },
    composeFile: {
      file: COMPOSE,
      text: "services: {}\n# Deploy Start #\n# method: canary\n# Deploy End #\n",
    },
  });
  assert.equal(result.source, "deploy_file");
  assert.equal(result.settings?.method, "blind");
  assert.deepEqual(messages(result, "warnings"), [
    `${COMPOSE}:2: deploy block ignored: ${DEPLOY} takes precedence`,
  ]);
});

Deno.test("parseSettings() names the compose file line of invalid YAML in the block", () => {
  const result = fromBlock([
    "services: {}",
    "# Deploy Start #",
    "# method: simple",
    "# hosts: [a, b",
    "# Deploy End #",
  ]);
  assert.equal(result.settings, undefined);
  assert.deepEqual(messages(result), [
    `${COMPOSE}:4: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
  ]);
});

Deno.test("parseSettings() names the line of a key in the block as a line of the compose file", () => {
  const result = fromBlock([
    "services: {}",
    "# Deploy Start #",
    "# method: fancy",
    "# Deploy End #",
  ]);
  assert.deepEqual(messages(result), [
    `${COMPOSE}:3: method: must be one of blind, simple, canary: "fancy"`,
  ]);
});

Deno.test("parseSettings() accepts methode as an alias of method", () => {
  assert.equal(fromFile("methode: canary\n").settings?.method, "canary");
  assert.equal(fromFile("methode: canary\nmethod: canary\n").settings?.method, "canary");
});

Deno.test("parseSettings() rejects methode and method set to different values", () => {
  const result = fromFile("method: simple\nmethode: canary\n");
  assert.equal(result.settings, undefined);
  assert.deepEqual(messages(result), [
    `${DEPLOY}:2: methode: is an alias of method, but both are set: "canary" and method: "simple"`,
  ]);
});

Deno.test("parseSettings() names methode when the aliased value is bad", () => {
  assert.deepEqual(messages(fromFile("methode: fancy\n")), [
    `${DEPLOY}:1: methode: must be one of blind, simple, canary: "fancy"`,
  ]);
});

Deno.test("parseSettings() reads every duration form into milliseconds", () => {
  const result = fromFile("health_timeout: 90\nscript_timeout: 90s\ncanary_soak: 2m\ndrain: 1h\n");
  assert.deepEqual(result.errors, []);
  assert.equal(result.settings?.health_timeout, 90_000);
  assert.equal(result.settings?.script_timeout, 90_000);
  assert.equal(result.settings?.canary_soak, 120_000);
  assert.equal(result.settings?.drain, 3_600_000);
  assert.equal(fromFile("drain: 500ms\n").settings?.drain, 500);
  assert.equal(fromFile("drain: 1.5\n").settings?.drain, 1500);
  assert.equal(fromFile("image_min_age: 2d\n").settings?.image_min_age, 172_800_000);
});

Deno.test("parseSettings() takes image_min_age from the stack, else the defaults, else none", () => {
  assert.equal(
    fromFile("image_min_age: 3s\n", { image_min_age: 60_000 }).settings?.image_min_age,
    3000,
  );
  assert.equal(
    fromFile("image_updates: true\n", { image_min_age: 60_000 }).settings?.image_min_age,
    60_000,
  );
  assert.equal("image_min_age" in (fromFile("image_updates: true\n").settings ?? {}), false);
});

Deno.test("parseSettings() rejects a duration that is not one", () => {
  assert.deepEqual(messages(fromFile("health_timeout: soon\n")), [
    `${DEPLOY}:1: health_timeout: must be a duration such as 90, 90s, 2m or 1h: "soon"`,
  ]);
  assert.equal(fromFile("drain: -5\n").errors[0]?.key, "drain");
});

Deno.test("parseSettings() reports method: fancy naming the key and the value", () => {
  const result = fromFile("deploy: true\nmethod: fancy\n");
  assert.equal(result.settings, undefined);
  assert.deepEqual(result.errors, [{
    file: DEPLOY,
    key: "method",
    line: 2,
    message: 'must be one of blind, simple, canary: "fancy"',
  }]);
  assert.equal(
    formatProblem(result.errors[0]!),
    'stacks/web/deploy.yaml:2: method: must be one of blind, simple, canary: "fancy"',
  );
});

Deno.test("parseSettings() warns about an unknown key and suggests the closest one", () => {
  const result = fromFile("helth_timeout: 2m\nflavour: mint\n");
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.settings, SETTINGS_DEFAULTS);
  assert.deepEqual(messages(result, "warnings"), [
    `${DEPLOY}:1: helth_timeout: unknown key (did you mean health_timeout?)`,
    `${DEPLOY}:2: flavour: unknown key`,
  ]);
});

Deno.test("parseSettings() reports wrong types of several keys together", () => {
  const text = [
    "deploy: maybe",
    "rollback: 1",
    "hosts: [a, 2]",
    "compose_files: {a: 1}",
    "pre_deploy: 42",
    "mode: kubernetes",
    "method: canary",
  ].join("\n");
  const result = fromFile(text);
  assert.equal(result.settings, undefined);
  assert.deepEqual(messages(result), [
    `${DEPLOY}:1: deploy: must be true or false: "maybe"`,
    `${DEPLOY}:2: rollback: must be true or false: 1`,
    `${DEPLOY}:5: pre_deploy: must be a command (a non-empty string): 42`,
    `${DEPLOY}:3: hosts: must be a host name or a list of host names: ["a",2]`,
    `${DEPLOY}:4: compose_files: must be a file name or a list of file names: {"a":1}`,
    `${DEPLOY}:6: mode: must be one of compose, swarm: "kubernetes"`,
  ]);
});

Deno.test("parseSettings() reports an alias to a missing anchor as invalid YAML", () => {
  assert.deepEqual(messages(fromFile("hosts: *nowhere\n")), [
    `${DEPLOY}: invalid YAML: Unresolved alias (the anchor must be set before the alias): nowhere`,
  ]);
});

Deno.test("parseSettings() rejects a top-level value that is not a mapping", () => {
  const result = fromFile("- method: canary\n");
  assert.equal(result.settings, undefined);
  assert.deepEqual(messages(result), [
    `${DEPLOY}: settings must be a mapping of keys to values, not [{"method":"canary"}]`,
  ]);
});

Deno.test("parseSettings() accepts a single string for hosts and compose_files", () => {
  const result = fromFile("hosts: alpha\ncompose_files: compose.prod.yaml\n");
  assert.deepEqual(result.settings?.hosts, ["alpha"]);
  assert.deepEqual(result.settings?.compose_files, ["compose.prod.yaml"]);
});

Deno.test("parseSettings() fills unset keys from the defaults, then the built-in defaults", () => {
  const result = fromFile("method: canary\npre_deploy: ./migrate.sh\n", {
    method: "blind",
    health_timeout: 5000,
    mark_bad: false,
    post_deploy: "./warm.sh",
    hosts: ["alpha"],
  });
  assert.deepEqual(result.settings, {
    ...SETTINGS_DEFAULTS,
    method: "canary",
    health_timeout: 5000,
    mark_bad: false,
    pre_deploy: "./migrate.sh",
    post_deploy: "./warm.sh",
    hosts: ["alpha"],
  });
});

Deno.test("parseSettings() treats a key left empty as unset", () => {
  const result = fromFile("pre_deploy:\nmethod:\n", { pre_deploy: "./default.sh" });
  assert.deepEqual(result.errors, []);
  assert.equal(result.settings?.pre_deploy, "./default.sh");
  assert.equal(result.settings?.method, "simple");
});

Deno.test("parseSettings() warns about non-comment lines inside the block", () => {
  const result = fromBlock(["# Deploy Start #", "# method: blind", "x: 1", "# Deploy End #"]);
  assert.equal(result.settings?.method, "blind");
  assert.deepEqual(messages(result, "warnings"), [
    `${COMPOSE}:3: line inside the deploy block is not a comment; ignored`,
  ]);
});

Deno.test("checkSettingsObject() validates an object with problems named after the given file", () => {
  const checked = checkSettingsObject(
    { method: "fancy", drain: "2m", helth_timeout: 1 },
    "config: defaults",
  );
  assert.deepEqual(checked.errors.map(formatProblem), [
    'config: defaults: method: must be one of blind, simple, canary: "fancy"',
  ]);
  assert.deepEqual(checked.warnings.map(formatProblem), [
    "config: defaults: helth_timeout: unknown key (did you mean health_timeout?)",
  ]);
  assert.deepEqual(checkSettingsObject({ drain: "2m" }, "x").values, { drain: 120_000 });
});

Deno.test("formatProblem() leaves out the line and key when they are unknown", () => {
  assert.equal(formatProblem({ file: "a.yaml", message: "bad" }), "a.yaml: bad");
  assert.equal(formatProblem({ file: "a.yaml", key: "k", message: "bad" }), "a.yaml: k: bad");
  assert.equal(formatProblem({ file: "a.yaml", line: 3, message: "bad" }), "a.yaml:3: bad");
});

/** Runs `fn` with a fresh temp dir that is removed afterwards. */
Deno.test("loadSettings() reads deploy.yml when there is no deploy.yaml", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "deploy.yml"), "method: blind\n");
    await Deno.writeTextFile(join(dir, "compose.yaml"), "services: {}\n");
    const result = await loadSettings(dir, "stacks/web", "compose.yaml", { drain: 1 });
    assert.deepEqual(result, {
      settings: { ...SETTINGS_DEFAULTS, method: "blind", drain: 1 },
      source: "deploy_file",
      warnings: [],
      errors: [],
    });
  });
});

Deno.test("loadSettings() prefers deploy.yaml over deploy.yml and the compose block", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "deploy.yaml"), "method: canary\n");
    await Deno.writeTextFile(join(dir, "deploy.yml"), "method: blind\n");
    const block = "# Deploy Start #\n# method: simple\n# Deploy End #\nservices: {}\n";
    await Deno.writeTextFile(join(dir, "compose.yml"), block);
    const result = await loadSettings(dir, "stacks/web", "compose.yml");
    assert.equal(result.settings?.method, "canary");
    assert.deepEqual(messages(result, "warnings"), [
      "stacks/web/deploy.yml: ignored: stacks/web/deploy.yaml takes precedence",
      "stacks/web/compose.yml:1: deploy block ignored: stacks/web/deploy.yaml takes precedence",
    ]);
  });
});

Deno.test("loadSettings() reads the compose block and names files by the shown folder", async () => {
  await withTempDir(async (dir) => {
    const compose = "services: {}\n# Deploy Start #\n# method: nope\n# Deploy End #\n";
    await Deno.writeTextFile(join(dir, "compose.yaml"), compose);
    const result = await loadSettings(dir, "stacks/web", "compose.yaml");
    assert.equal(result.source, "compose_block");
    assert.deepEqual(messages(result), [
      'stacks/web/compose.yaml:3: method: must be one of blind, simple, canary: "nope"',
    ]);
  });
});

Deno.test("loadSettings() gives the defaults for a folder with no settings at all", async () => {
  await withTempDir(async (dir) => {
    const result = await loadSettings(dir, ".", "compose.yaml");
    assert.deepEqual(result, {
      settings: SETTINGS_DEFAULTS,
      source: "none",
      warnings: [],
      errors: [],
    });
  });
});

Deno.test("loadSettings() reports a deploy.yaml it cannot read as an error", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "deploy.yaml"));
    const result = await loadSettings(dir, "web", "compose.yaml");
    assert.equal(result.settings, undefined);
    assert.equal(result.errors[0]?.file, "web/deploy.yaml");
    assert.match(result.errors[0]?.message ?? "", /^cannot read: /);
  });
});

Deno.test("loadSettings() reads only the files `exists` names (the commit's listing)", async () => {
  await withTempDir(async (dir) => {
    // On disk but not in the commit: not read. Named by the listing: read.
    await Deno.writeTextFile(join(dir, "deploy.yaml"), "method: blind\n");
    await Deno.writeTextFile(join(dir, "compose.yaml"), "services: {}\n");
    const none = await loadSettings(dir, "web", "compose.yaml", {}, (n) => n === "compose.yaml");
    assert.equal(none.source, "none");
    const read = await loadSettings(dir, "web", "compose.yaml", {}, () => true);
    assert.equal(read.settings?.method, "blind");
  });
});

Deno.test("deploy.example.yaml reads as the built-in defaults, without a warning", async () => {
  const text = await Deno.readTextFile(new URL("../../deploy.example.yaml", import.meta.url));
  assert.deepEqual(parseSettings({ deployFile: { file: "deploy.example.yaml", text } }), {
    settings: SETTINGS_DEFAULTS,
    source: "deploy_file",
    warnings: [],
    errors: [],
  });
});
