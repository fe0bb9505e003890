/**
 * Unit tests of the deploy-mode rules of `autostack validate`: what
 * `docker stack deploy` refuses or ignores in a `mode: swarm` stack, and the
 * parts of a `deploy:` section Compose does not apply in a `mode: compose`
 * one; on plain compose documents, and through validateCheckout() on a temp
 * checkout without Docker.
 * @module
 */
import assert from "node:assert/strict";
import { validateCheckout } from "../../lib/validate/mod.ts";
import { modeFindings } from "../../lib/validate/_modes.ts";
import { readComposeDoc } from "../../lib/validate/_yaml.ts";
import { fakeRunner } from "../_fakes.ts";
import { withTempDir, writeFiles } from "../_temp.ts";

const WHERE = { folder: "stacks/web", stack: "web" };

function doc(text: string, file = "stacks/web/compose.yaml") {
  const read = readComposeDoc(text, file);
  if (!read.ok) throw new Error(read.message);
  return read.doc;
}

/** Each finding as `level rule line: message start`, to compare in one glance. */
const brief = (findings: ReturnType<typeof modeFindings>) =>
  findings.map((f) => `${f.level} ${f.rule} ${f.line}: ${f.message.split(",")[0]}`);

const SWARM_STACK = `services:
  app:
    image: app
    build: .
    container_name: app
    restart: always
    init: true
    mem_limit: 100m
    depends_on:
      db:
        condition: service_healthy
    deploy:
      update_config:
        order: start-first
  db:
    image: db
    depends_on: [cache]
  cache:
    image: cache
    depends_on: []
`;

Deno.test("a swarm stack gets errors for keys stack deploy refuses and warnings for ignored ones", () => {
  assert.deepEqual(brief(modeFindings([doc(SWARM_STACK)], "swarm", WHERE)), [
    'warning swarm-ignored 4: service "app" sets build',
    'warning swarm-ignored 5: service "app" sets container_name',
    'warning swarm-ignored 6: service "app" sets restart',
    'error swarm-refused 8: service "app" sets mem_limit',
    'error swarm-refused 9: service "app" uses the long form of depends_on',
    'warning swarm-ignored 17: service "db" sets depends_on',
  ]);
});

Deno.test("a swarm warning says what to use instead, and names the file it is in", () => {
  const findings = modeFindings([doc(SWARM_STACK)], "swarm", WHERE);
  const restart = findings.find((f) => f.message.includes("restart"));
  assert.deepEqual(restart, {
    level: "warning",
    rule: "swarm-ignored",
    folder: "stacks/web",
    stack: "web",
    file: "stacks/web/compose.yaml",
    line: 6,
    message: 'service "app" sets restart, which Swarm ignores: use deploy.restart_policy ' +
      "(condition: any, on-failure or none)",
  });
  assert.match(findings.find((f) => f.message.includes("mem_limit"))!.message, /deploy\.resources/);
});

Deno.test("a swarm stack's deploy: section and init are fine; an override file is checked too", () => {
  const base = doc(
    "services:\n  app:\n    image: app\n    init: true\n    deploy:\n      replicas: 2\n",
  );
  const override = doc(
    "services:\n  app:\n    restart: unless-stopped\n",
    "stacks/web/compose.prod.yaml",
  );
  const findings = modeFindings([base, override], "swarm", WHERE);
  assert.deepEqual(findings.map((f) => [f.file, f.line, f.rule]), [
    ["stacks/web/compose.prod.yaml", 3, "swarm-ignored"],
  ]);
});

Deno.test("a compose stack warns on the deploy: keys Compose ignores and lists them", () => {
  const compose = doc(`services:
  app:
    image: app
    restart: always
    build: .
    deploy:
      replicas: 2
      resources:
        limits: { memory: 64M }
      restart_policy: { condition: on-failure, max_attempts: 3, delay: 5s }
      update_config: { order: start-first }
      placement: { constraints: [node.role == manager] }
`);
  const findings = modeFindings([compose], "compose", WHERE);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.rule, "compose-ignores-deploy");
  assert.equal(findings[0]!.line, 6);
  assert.equal(
    findings[0]!.message,
    'service "app" sets deploy.update_config, deploy.placement, deploy.restart_policy.delay, ' +
      "which Compose ignores (it applies only deploy.replicas, deploy.resources and the " +
      "restart_policy's condition and max_attempts); set mode: swarm if the stack is meant for " +
      "a swarm",
  );
});

Deno.test("a compose stack whose deploy: section Compose applies in full gets no warning", () => {
  const compose = doc(`services:
  app:
    image: app
    deploy:
      replicas: 2
      resources: { limits: { cpus: "0.5", memory: 64M }, reservations: { memory: 32M } }
      restart_policy: { condition: on-failure, max_attempts: 3 }
      x-note: ours
  db:
    image: db
`);
  assert.deepEqual(modeFindings([compose], "compose", WHERE), []);
});

Deno.test("validate warns on swarm-only keys by the mode a stack's settings or defaults give", async () => {
  await withTempDir(async (root) => {
    const compose = "services:\n  app:\n    image: app\n    restart: always\n" +
      "    deploy:\n      update_config: { order: start-first }\n";
    await writeFiles(root, {
      "stacks/web/compose.yaml": compose,
      "stacks/web/deploy.yaml": "mode: swarm\n",
      "stacks/api/compose.yaml": compose,
      "stacks/bad/compose.yaml": compose,
      "stacks/bad/deploy.yaml": "mode: swarm\nhealth_timeout: never\n",
    });
    const runner = fakeRunner(() => ({ code: 127, stderr: "docker: command not found" }));
    const check = async (defaults = {}) => {
      const report = await validateCheckout({ root, runner, compose: null, defaults });
      return report.findings
        .filter((f) => f.rule.startsWith("swarm") || f.rule === "compose-ignores-deploy")
        .map((f) => `${f.stack} ${f.rule} ${f.line}`);
    };
    assert.deepEqual(await check(), [
      "api compose-ignores-deploy 5",
      // Settings with an error elsewhere still say the mode.
      "bad swarm-ignored 4",
      "web swarm-ignored 4",
    ]);
    assert.deepEqual(await check({ mode: "swarm" }), [
      "api swarm-ignored 4",
      "bad swarm-ignored 4",
      "web swarm-ignored 4",
    ]);
  });
});
