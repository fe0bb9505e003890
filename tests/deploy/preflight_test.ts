/**
 * Unit tests of the preflight with a fake compose and engine, on real compose
 * files in a temp clone: what refuses a version, and whose fault it is.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fakeRunner } from "../_fakes.ts";
import { testContext, testDeps } from "../_deps.ts";
import { SETTINGS_DEFAULTS } from "../../lib/config/mod.ts";
import { checkFiles, preflight } from "../../lib/deploy/mod.ts";
import type { RunOptions, RunResult } from "../../lib/process.ts";
import { statePaths } from "../../lib/state/mod.ts";

const MODEL = {
  services: { app: { image: "busybox:1" }, built: { image: "mine:1", build: { context: "." } } },
  networks: { proxy: { name: "proxy", external: true }, default: { name: "web_default" } },
  volumes: { data: { name: "data", external: true } },
};

type Answer = (cmd: readonly string[], options: RunOptions) => Partial<RunResult> | undefined;

/** Runs `check` on stack `web` whose compose.yaml is `compose`, against docker `answer`. */
async function scene(
  compose: string,
  answer: Answer,
  check: typeof preflight | typeof checkFiles = preflight,
) {
  const base = await Deno.makeTempDir({ prefix: "autostack-preflight-" });
  try {
    const dir = join(statePaths(base).repo, "web");
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, "compose.yaml"), compose);
    const runner = fakeRunner(answer);
    const ctx = testContext(base, { commit: "c1", tree: "t1" }, testDeps({ runner, cwd: base }));
    const stack = { name: "web", path: "web", composeFile: "compose.yaml", tree: "t1" };
    const result = await check(ctx, { name: "web", stack, settings: SETTINGS_DEFAULTS });
    return { result, calls: runner.calls.map((c) => c.cmd) };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

const compose = (cmd: readonly string[]) => cmd[1] === "compose";
const ok: Answer = (cmd) => compose(cmd) ? { stdout: JSON.stringify(MODEL) } : {};

Deno.test("preflight() passes a version whose files, images, networks and volumes are all there", async () => {
  const { result, calls } = await scene("services: {}\n", ok);
  assert.deepEqual(result, { ok: true, services: ["app", "built"] });
  assert.deepEqual(calls.slice(1), [
    ["docker", "network", "inspect", "--format", "{{.Name}}", "proxy"],
    ["docker", "volume", "inspect", "--format", "{{.Name}}", "data"],
    // A built image is made by `up`: only the other one is asked for.
    ["docker", "image", "inspect", "--format", "{{.Id}}", "busybox:1"],
  ]);
});

Deno.test("preflight() refuses invalid YAML as the version's fault, naming file and line, asking nothing", async () => {
  const { result, calls } = await scene("services:\n  web:\n    image: [x\n", ok);
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.cause === "version");
  assert.match(result.message, /^compose\.yaml:\d+: invalid YAML: /);
  assert.deepEqual(calls, []);
});

Deno.test("preflight() refuses a YAML alias bomb before compose ever reads it", async () => {
  const lines = ['a: &a ["x", "x"]'];
  for (let i = 1; i < 12; i++) {
    lines.push(
      `${"b".repeat(i)}: &${"b".repeat(i)} [${
        Array(9).fill(i === 1 ? "*a" : `*${"b".repeat(i - 1)}`).join(", ")
      }]`,
    );
  }
  const { result, calls } = await scene(`${lines.join("\n")}\n`, ok);
  assert.ok(!result.ok && result.cause === "version");
  assert.match(result.message, /more than 100 YAML aliases/);
  assert.deepEqual(calls, []);
});

Deno.test("preflight() refuses what docker compose config refuses, as the version's fault", async () => {
  const { result } = await scene(
    "services: {}\n",
    (cmd) => compose(cmd) ? { code: 15, stderr: "env file /x/.env not found\n" } : {},
  );
  assert.ok(!result.ok && result.cause === "version");
  assert.match(result.message, /compose config failed .*env file \/x\/\.env not found/);
});

Deno.test("preflight() refuses a missing external network as the host's fault", async () => {
  const { result } = await scene(
    "services: {}\n",
    (cmd) => cmd[1] === "network" ? { code: 1, stderr: "network proxy not found" } : ok(cmd, {}),
  );
  assert.deepEqual(result, {
    ok: false,
    cause: "host",
    message: 'external network "proxy" does not exist',
  });
});

Deno.test("preflight() pulls a missing image before anything stops, and a failed pull is the host's fault", async () => {
  const missing: Answer = (cmd) =>
    cmd[1] === "image" ? { code: 1, stderr: "No such image" } : ok(cmd, {});
  const pulled = await scene("services: {}\n", missing);
  assert.equal(pulled.result.ok, true);
  const pull = pulled.calls.find((c) => c.includes("pull"));
  assert.deepEqual(pull?.slice(-3), ["pull", "--quiet", "app"]);

  const { result } = await scene(
    "services: {}\n",
    (cmd, o) =>
      cmd.includes("pull")
        ? { code: 18, stderr: "dial tcp: lookup registry: no such host" }
        : missing(cmd, o),
  );
  assert.ok(!result.ok && result.cause === "host");
  assert.match(result.message, /image "busybox:1" is not on this host and could not be pulled/);
});

Deno.test("checkFiles() alone asks compose and no engine: what --dry-run can show", async () => {
  const { result, calls } = await scene("services: {}\n", ok, checkFiles);
  assert.equal(result.ok, true);
  assert.deepEqual(calls.map((c) => c[1]), ["compose"]);
});
