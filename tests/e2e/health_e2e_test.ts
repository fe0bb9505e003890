/**
 * End-to-end tests of compose, health and container listing against the real
 * Docker engine, with small projects on the local busybox test image.
 * @module
 */
import assert from "node:assert/strict";
import {
  checkHealth,
  Compose,
  describeFaults,
  listProjects,
  type ProjectSummary,
  socketEngine,
  type Verdict,
  waitHealthy,
} from "../../lib/docker/mod.ts";
import { ComposeError } from "../../lib/errors.ts";
import { daxRunner } from "../../lib/process.ts";
import { noSocketEngine } from "../_fakes.ts";
import {
  COMPOSE,
  requireDocker,
  service,
  SKIP_DOCKER,
  TEST_IMAGE,
  withComposeProject,
} from "./_docker.ts";

const compose = new Compose(daxRunner, COMPOSE);
const ignore = SKIP_DOCKER;

function deps(ticks: Verdict[] = []) {
  return {
    compose,
    now: () => performance.now(),
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    onTick: (v: Verdict) => void ticks.push(v),
  };
}

/** busybox httpd serving `/www/index.html`, with a healthcheck fetching `path`. */
function web(path = "/") {
  return service([
    "sh",
    "-c",
    "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www",
  ], {
    healthcheck: {
      test: [
        "CMD",
        "sh",
        "-c",
        `timeout 2 wget -q -O /dev/null http://127.0.0.1:8080${path} || exit 1`,
      ],
      interval: "1s",
      timeout: "2s",
      retries: 2,
      start_period: "0s",
    },
  });
}

Deno.test({
  name:
    "waitHealthy() sees an httpd with a passing healthcheck and a one-shot that exited 0 as healthy",
  ignore,
  fn: () =>
    withComposeProject({ services: { web: web(), migrate: service(["true"]) } }, async (p) => {
      await compose.up(p.target);
      const ticks: Verdict[] = [];
      const started = performance.now();
      const verdict = await waitHealthy(deps(ticks), p.target, 30_000);
      assert.deepEqual(verdict, { status: "healthy" });
      // Every look before the last saw it starting, none saw it failed. (Whether
      // there was such a look depends on how long `up` took on a loaded host.)
      assert.deepEqual(ticks.at(-1), { status: "healthy" });
      assert.ok(ticks.slice(0, -1).every((v) => v.status === "waiting"));
      assert.ok(performance.now() - started < 10_000);
      assert.deepEqual((await compose.ps(p.name)).map((c) => c.service).sort(), ["migrate", "web"]);
    }),
});

Deno.test({
  name: "waitHealthy() fails at once when a service exits 1, naming its exit code",
  ignore,
  fn: () =>
    withComposeProject(
      { services: { web: service(["sleep", "60"]), job: service(["sh", "-c", "exit 1"]) } },
      async (p) => {
        await compose.up(p.target);
        const started = performance.now();
        const verdict = await waitHealthy(deps(), p.target, 30_000);
        assert.deepEqual(verdict, {
          status: "failed",
          faults: [{ service: "job", state: "exited", detail: "exit code 1" }],
        });
        assert.ok(
          performance.now() - started < 5_000,
          "a terminal failure does not wait for the timeout",
        );
      },
    ),
});

Deno.test({
  name:
    "waitHealthy() fails at the timeout when a healthcheck keeps failing, quoting the probe output",
  ignore,
  fn: () =>
    withComposeProject({ services: { web: web("/missing") } }, async (p) => {
      await compose.up(p.target);
      const started = performance.now();
      const verdict = await waitHealthy(deps(), p.target, 4_000);
      const elapsed = performance.now() - started;
      assert.equal(verdict.status, "failed");
      assert.ok(verdict.status === "failed");
      assert.equal(verdict.faults.length, 1);
      assert.equal(verdict.faults[0]?.service, "web");
      assert.match(verdict.faults[0]?.state ?? "", /^(unhealthy|starting)$/);
      assert.match(
        describeFaults(verdict.faults),
        /^web: \w+ \(wget: server returned error: HTTP\/1\.1 404 Not Found\)$/,
      );
      assert.ok(elapsed >= 4_000 && elapsed < 6_000, `waited ${Math.round(elapsed)} ms`);
    }),
});

Deno.test({
  name: "waitHealthy() reports a service that was never created as missing",
  ignore,
  fn: () =>
    withComposeProject({
      services: { web: service(["sleep", "60"]), extra: service(["sleep", "60"]) },
    }, async (p) => {
      // Start only one service: the other has no container at all.
      const r = await daxRunner.run([...COMPOSE, "-p", p.name, "-f", p.file, "up", "-d", "web"]);
      assert.equal(r.code, 0, r.stderr);
      const verdict = await waitHealthy(deps(), p.target, 1_000);
      assert.deepEqual(verdict, {
        status: "failed",
        faults: [{ service: "extra", state: "missing", detail: "no container" }],
      });
    }),
});

Deno.test({
  name: "Compose.stop(), start() and down() work by project label and down keeps named volumes",
  ignore,
  fn: () =>
    withComposeProject(
      {
        services: { web: service(["sleep", "600"], { volumes: ["data:/data"] }) },
        volumes: { data: {} },
      },
      async (p) => {
        await compose.up(p.target);
        const bare = { command: COMPOSE, project: p.name };
        assert.deepEqual(await checkHealth(compose, p.target), { status: "healthy" });
        await compose.stop(bare);
        assert.equal((await checkHealth(compose, bare)).status, "failed");
        await compose.start(bare);
        assert.deepEqual(await checkHealth(compose, bare), { status: "healthy" });
        await compose.down(bare);
        assert.deepEqual(await compose.ps(p.name), []);
        const vol = await daxRunner.run(["docker", "volume", "inspect", `${p.name}_data`]);
        assert.equal(vol.code, 0, "the named volume survives down");
      },
    ),
});

Deno.test({
  name: "Compose.up() throws a ComposeError naming the project and quoting compose",
  ignore,
  fn: () =>
    withComposeProject({ services: { web: { command: ["true"] } } }, async (p) => {
      await assert.rejects(() => compose.up(p.target), (e: unknown) => {
        assert.ok(e instanceof ComposeError);
        assert.match(e.message, new RegExp(`^compose up failed for project "${p.name}"`));
        assert.match(e.message, /neither an image nor a build context/);
        return true;
      });
    }),
});

Deno.test({
  name:
    "listProjects() sees a compose project and counts its running containers, the same through the API and the CLI",
  ignore,
  fn: () =>
    withComposeProject(
      { services: { web: service(["sleep", "60"]), once: service(["true"]) } },
      async (p) => {
        await compose.up(p.target);
        await waitHealthy(deps(), p.target, 10_000);
        // Through the engine's API (its socket), and through `docker ps` (as for a `tcp://` engine).
        const api = await listProjects(daxRunner, socketEngine(Deno.env.toObject()));
        const cli = await listProjects(daxRunner, noSocketEngine);
        const seen = api.get(p.name);
        assert.deepEqual([seen?.project, seen?.containers, seen?.running], [p.name, 2, 1]);
        assert.deepEqual(seen?.list.map((c) => c.service).sort(), ["once", "web"]);
        assert.equal(seen?.workingDir, p.dir);
        const byName = (s?: ProjectSummary) =>
          s?.list.toSorted((a, b) => a.name.localeCompare(b.name));
        assert.deepEqual(byName(seen), byName(cli.get(p.name)));
        assert.equal(seen?.workingDir, cli.get(p.name)?.workingDir);
      },
    ),
});

Deno.test({
  name: "the e2e test image is present locally",
  ignore,
  fn: async () => {
    await requireDocker();
    const r = await daxRunner.run(["docker", "image", "inspect", TEST_IMAGE]);
    assert.equal(r.code, 0, `${TEST_IMAGE} is missing: run \`deno task setup\``);
  },
});
