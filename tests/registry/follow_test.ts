import assert from "node:assert/strict";
import { parseConfig, SETTINGS_DEFAULTS, type SettingsResult } from "../../lib/config/mod.ts";
import { followImages } from "../../lib/registry/mod.ts";
import type { Stack } from "../../lib/repo/mod.ts";
import { testDeps } from "../_deps.ts";
import { memoryLogger } from "../_fakes.ts";
import { withTempDir, writeFiles } from "../_temp.ts";

const D = `sha256:${"7e".repeat(32)}`;
const stack = (name: string): Stack => ({
  name,
  path: name,
  composeFile: "compose.yaml",
  tree: `t-${name}`,
});
const settings = (extra: Record<string, unknown>): SettingsResult => ({
  settings: { ...SETTINGS_DEFAULTS, ...extra },
  source: "none",
  warnings: [],
  errors: [],
});

Deno.test("followImages() asks only for the stacks with image_updates that deploy here, canary and swarm ones too", async () => {
  await withTempDir(async (dir) => {
    const names = ["on", "off", "canary", "swarm", "elsewhere", "notwanted"];
    await writeFiles(
      dir,
      Object.fromEntries(
        names.map((
          n,
        ) => [`${n}/compose.yaml`, `services:\n  app:\n    image: 127.0.0.1:5000/${n}\n`]),
      ),
    );
    const asked: string[] = [];
    const logger = memoryLogger();
    const deps = testDeps({
      logger,
      env: { DOCKER_CONFIG: `${dir}/none` },
      fetch: (input) => {
        asked.push(String(input));
        return Promise.resolve(new Response(null, { headers: { "docker-content-digest": D } }));
      },
    });
    const config = parseConfig(`repo: /r\nbase_dir: ${dir}/base\n`, "/c.yaml", {}, {
      hostname: "h",
    });
    const images = await followImages({
      config,
      deps,
      repoDir: dir,
      stacks: names.map(stack),
      settings: new Map([
        ["on", settings({ image_updates: true })],
        ["off", settings({})],
        ["canary", settings({ image_updates: true, method: "canary" })],
        ["swarm", settings({ image_updates: true, mode: "swarm" })],
        ["elsewhere", settings({ image_updates: true, hosts: ["other"] })],
        ["notwanted", settings({ image_updates: true })],
      ]),
      deployed: new Map(),
      only: ["on", "off", "canary", "swarm", "elsewhere"],
    });
    const followed = ["canary", "on", "swarm"];
    assert.deepEqual(
      asked.sort(),
      followed.map((n) => `http://127.0.0.1:5000/v2/${n}/manifests/latest`),
    );
    assert.deepEqual([...images!.keys()].sort(), followed);
    for (const n of followed) {
      assert.deepEqual(images!.get(n), [{
        service: "app",
        image: `127.0.0.1:5000/${n}`,
        digest: D,
      }]);
    }
    assert.deepEqual(logger.lines, []);
  });
});

Deno.test("followImages() returns nothing, and asks nothing, when no stack follows its images", async () => {
  const deps = testDeps();
  const config = parseConfig("repo: /r\nbase_dir: /b\n", "/c.yaml", {}, { hostname: "h" });
  const images = await followImages({
    config,
    deps,
    repoDir: "/nowhere",
    stacks: [stack("web")],
    settings: new Map([["web", settings({})]]),
    deployed: new Map(),
    only: [],
  });
  assert.equal(images, undefined);
});
