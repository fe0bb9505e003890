/**
 * End-to-end test of `autostack validate` on swarm stacks with the real docker
 * CLI: `docker stack config` refuses what `docker compose config` takes (a
 * top-level `name:`), the keys Swarm ignores are warned on, and a Compose
 * stack's swarm-only `deploy:` keys too.
 * @module
 */
import assert from "node:assert/strict";
import { validateCheckout } from "../../lib/validate/mod.ts";
import { daxRunner } from "../../lib/process.ts";
import { withTempDir, writeFiles } from "../_temp.ts";
import { requireDocker, SKIP_DOCKER } from "./_docker.ts";

Deno.test({
  name: "validate reports what docker stack deploy would refuse or ignore in a swarm stack",
  ignore: SKIP_DOCKER,
  async fn() {
    await requireDocker();
    await withTempDir(async (root) => {
      await writeFiles(root, {
        "stacks/web/compose.yaml": `name: web
services:
  app:
    image: app:1
    restart: always
    healthcheck:
      test: ["CMD", "true"]
`,
        "stacks/web/deploy.yaml": "mode: swarm\n",
        "stacks/ok/compose.yaml": `services:
  app:
    image: app:1
    init: true
    healthcheck:
      test: ["CMD", "true"]
    deploy:
      replicas: 2
      update_config: { order: start-first }
`,
        "stacks/ok/deploy.yaml": "mode: swarm\n",
        "stacks/plain/compose.yaml": `services:
  app:
    image: app:1
    healthcheck:
      test: ["CMD", "true"]
    deploy:
      placement: { constraints: [node.role == manager] }
`,
      });
      const report = await validateCheckout({ root, runner: daxRunner });
      const lines = report.findings.map((f) =>
        `${f.level} ${f.rule} ${f.file}:${f.line} ${f.message}`
      );
      assert.deepEqual(lines, [
        'warning compose-ignores-deploy stacks/plain/compose.yaml:6 service "app" sets ' +
        "deploy.placement, which Compose ignores (it applies only deploy.replicas, " +
        "deploy.resources and the restart_policy's condition and max_attempts); set mode: swarm " +
        "if the stack is meant for a swarm",
        "error swarm-refused stacks/web/compose.yaml:1 docker stack deploy refuses name " +
        '("(root) Additional property name is not allowed"): its compose schema is older than ' +
        "docker compose's",
        'warning swarm-ignored stacks/web/compose.yaml:5 service "app" sets restart, which ' +
        "Swarm ignores: use deploy.restart_policy (condition: any, on-failure or none)",
      ]);
    });
  },
});
