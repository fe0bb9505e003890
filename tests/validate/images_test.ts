import assert from "node:assert/strict";
import { validateCheckout } from "../../lib/validate/mod.ts";
import { fakeRunner } from "../_fakes.ts";
import { withTempDir, writeFiles } from "../_temp.ts";

const HEALTH = "    healthcheck: {test: [CMD, 'true']}\n";
const PIN = `sha256:${"ab".repeat(32)}`;

Deno.test("validate warns when image_updates is on for a service built here or pinned by digest, not for canary or swarm stacks", async () => {
  await withTempDir(async (root) => {
    await writeFiles(root, {
      "web/compose.yaml": "services:\n" +
        `  app:\n    image: reg.lan/app:stable\n${HEALTH}` +
        `  built:\n    image: me/built\n    build: .\n${HEALTH}` +
        `  db:\n    image: postgres@${PIN}\n${HEALTH}`,
      "web/deploy.yaml": "image_updates: true\n",
      "web/Dockerfile": "FROM scratch\n",
      "off/compose.yaml": `services:\n  db:\n    image: postgres@${PIN}\n${HEALTH}`,
      // Canary and swarm stacks follow their images like any other.
      "can/compose.yaml": `services:\n  app:\n    image: reg.lan/app:stable\n${HEALTH}`,
      "can/deploy.yaml": "image_updates: true\nmethod: canary\n",
      "sw/compose.yaml": `services:\n  app:\n    image: reg.lan/app:stable\n${HEALTH}`,
      "sw/deploy.yaml": "image_updates: true\nmode: swarm\n",
    });
    const report = await validateCheckout({
      root,
      runner: fakeRunner(() => ({ code: 127 })),
      compose: null,
    });
    const found = report.findings.filter((f) => f.rule === "image-not-followed");
    assert.deepEqual(found.map((f) => [f.level, f.file, f.line, f.message]), [
      [
        "warning",
        "web/compose.yaml",
        6,
        'service "built": image_updates is on, but me/built is not followed: it is built here (build:)',
      ],
      [
        "warning",
        "web/compose.yaml",
        10,
        `service "db": image_updates is on, but postgres@${PIN} is not followed: it is pinned by digest (@sha256:)`,
      ],
    ]);
  });
});

Deno.test("validate warns that image_min_age does nothing without image_updates", async () => {
  await withTempDir(async (root) => {
    const compose = `services:\n  app:\n    image: reg.lan/app:stable\n${HEALTH}`;
    await writeFiles(root, {
      "idle/compose.yaml": compose,
      "idle/deploy.yaml": "method: simple\nimage_min_age: 2d\n",
      "used/compose.yaml": compose,
      "used/deploy.yaml": "image_updates: true\nimage_min_age: 2d\n",
    });
    const report = await validateCheckout({
      root,
      runner: fakeRunner(() => ({ code: 127 })),
      compose: null,
    });
    const found = report.findings.filter((f) => /image_min_age/.test(f.message));
    assert.deepEqual(found.map((f) => [f.level, f.rule, f.file, f.line, f.message]), [
      [
        "warning",
        "settings-warning",
        "idle/deploy.yaml",
        2,
        "image_min_age: has no effect without image_updates: true",
      ],
    ]);
  });
});
