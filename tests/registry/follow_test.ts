import assert from "node:assert/strict";
import { parseConfig, SETTINGS_DEFAULTS, type SettingsResult } from "../../lib/config/mod.ts";
import { followImages } from "../../lib/registry/mod.ts";
import { readSeen } from "../../lib/state/mod.ts";
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
      record: false,
    });
    const followed = ["canary", "on", "swarm"];
    assert.deepEqual(
      asked.sort(),
      followed.map((n) => `http://127.0.0.1:5000/v2/${n}/manifests/latest`),
    );
    assert.deepEqual([...images!.images.keys()].sort(), followed);
    for (const n of followed) {
      assert.deepEqual(images!.images.get(n), [{
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
    record: false,
  });
  assert.equal(images, undefined);
});

Deno.test("followImages() records when a digest was first seen, and holds a younger one back for image_min_age", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, {
      "web/compose.yaml": "services:\n  app:\n    image: 127.0.0.1:5000/web:stable\n",
    });
    const OLD = `sha256:${"01".repeat(32)}`;
    let clock = new Date("2026-12-01T10:00:00Z");
    const deps = testDeps({
      env: { DOCKER_CONFIG: `${dir}/none` },
      now: () => clock,
      fetch: () => Promise.resolve(new Response(null, { headers: { "docker-content-digest": D } })),
    });
    const config = parseConfig(`repo: /r\nbase_dir: ${dir}\n`, "/c.yaml", {}, { hostname: "h" });
    const image = "127.0.0.1:5000/web:stable";
    const follow = (record: boolean) =>
      followImages({
        config,
        deps,
        repoDir: dir,
        stacks: [stack("web")],
        settings: new Map([["web", settings({ image_updates: true, image_min_age: 3_600_000 })]]),
        deployed: new Map([["web", {
          commit: "c",
          tree: "t-web",
          pending: false,
          images: [{ service: "app", image, digest: OLD }],
        }]]),
        only: [],
        record,
      });

    // A dry run records nothing: the next run still counts from its own now.
    const dry = await follow(false);
    assert.deepEqual(dry?.images.get("web"), [{ service: "app", image, digest: OLD }]);
    assert.deepEqual((await readSeen(`${dir}/images_seen.json`)).seen, {});

    const first = await follow(true);
    assert.deepEqual(first?.images.get("web"), [{ service: "app", image, digest: OLD }]);
    assert.deepEqual(first?.waits.get("web"), [
      `image app: ${D.slice(0, 19)}… waits until 2026-12-01T11:00:00Z (image_min_age 1h)`,
    ]);
    assert.deepEqual((await readSeen(`${dir}/images_seen.json`)).seen, {
      [image]: { digest: D, seen_at: "2026-12-01T10:00:00.000Z" },
    });

    // An hour later the same digest is old enough: it is the stack's version now.
    clock = new Date("2026-12-01T11:00:00Z");
    const later = await follow(true);
    assert.deepEqual(later?.images.get("web"), [{ service: "app", image, digest: D }]);
    assert.equal(later?.waits.has("web"), false);
    assert.equal(
      (await readSeen(`${dir}/images_seen.json`)).seen[image]?.seen_at,
      "2026-12-01T10:00:00.000Z",
    );
  });
});
