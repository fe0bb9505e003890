/**
 * `deno task bench:downtime`: how many requests an update loses, per method.
 *
 * A web stack (busybox httpd that takes 2 s to listen, as an app takes time
 * to start) answers to the alias `benchweb` on a docker-internal network. A
 * Caddy container proxies to it (`dynamic a` on the alias, re-resolved every
 * second, with retries). Two client containers request every 100 ms, one
 * through Caddy and one by the alias directly (`timeout 1 wget`). autostack
 * then updates the stack three times, in one run of this script: with
 * `simple`, with a good `canary`, and with a canary whose new version never
 * becomes healthy. Each client's failures during each update are counted.
 * Everything it creates is removed at the end.
 * @module
 */
import { daxRunner } from "../lib/process.ts";
import { StacksRepo, Workspace } from "../tests/e2e/_harness.ts";
import {
  client,
  docker,
  err,
  IMAGE,
  logLines,
  out,
  printTable,
  proxyErrors,
  setupProxyBench,
  startProxy,
} from "./_proxy.ts";

const ALIAS = "benchweb";
const id = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
const NET = `astbench_${id}`;
const STACK = `dtweb${id}`;
const PROXY = `astbench_proxy_${id}`;
const CLIENTS = { proxy: `astbench_via_proxy_${id}`, direct: `astbench_direct_${id}` };
/** Time after a run during which failures still count (the proxy's caches, a late start). */
const TAIL_MS = 3000;

/** The stack's compose file: `version` served at `/`, or a copy that never listens. */
function compose(version: string, broken = false): string {
  const serve = `mkdir -p /www && echo ${version} > /www/index.html && sleep 2 && ` +
    "exec httpd -f -p 8080 -h /www";
  return `services:
  web:
    image: ${IMAGE}
    init: true
    command: ["sh", "-c", ${JSON.stringify(broken ? "exec sleep 3600" : serve)}]
    healthcheck:
      test: ["CMD", "sh", "-c", "timeout 1 wget -qO- http://127.0.0.1:8080/ >/dev/null"]
      interval: 1s
      timeout: 2s
      retries: 1
      start_period: 10s
    networks:
      shared:
        aliases: [${ALIAS}]
networks:
  shared:
    external: true
    name: ${NET}
`;
}

function settings(method: string): string {
  return `method: ${method}\nhealth_timeout: 8s\ncanary_soak: 5s\ndrain: 2s\n`;
}

/** What one client saw during one update. */
interface Window {
  requests: number;
  lost: number;
  served: string[];
}

/** One update: how long the run took, its result, what each client saw, Caddy's errors. */
interface Measure extends Record<keyof typeof CLIENTS, Window> {
  ms: number;
  result: string;
  errors: string[];
}

/** Runs autostack once and counts, per client, the requests made and lost meanwhile. */
async function measure(ws: Workspace): Promise<Measure> {
  const before = {
    proxy: (await logLines(CLIENTS.proxy)).length,
    direct: (await logLines(CLIENTS.direct)).length,
  };
  const since = new Date().toISOString();
  const started = performance.now();
  const r = await ws.run(["run"]);
  const ms = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, TAIL_MS));
  const window = async (key: keyof typeof CLIENTS): Promise<Window> => {
    const lines = (await logLines(CLIENTS[key])).slice(before[key]);
    const served = [...new Set(lines.filter((l) => l.startsWith("ok ")).map((l) => l.slice(3)))];
    return { requests: lines.length, lost: lines.filter((l) => l === "fail").length, served };
  };
  const result = r.stdout.trim().split(/\s{2,}/)[1] ?? `exit ${r.code}: ${r.stderr.trim()}`;
  // Caddy's own account of the requests it could not serve, to tell why one was lost.
  const errors = await proxyErrors(PROXY, since);
  return { ms, result, errors, proxy: await window("proxy"), direct: await window("direct") };
}

/** Waits until both clients have answered `version` five times in a row. */
async function settle(version: string): Promise<void> {
  const deadline = performance.now() + 60_000;
  for (const c of Object.values(CLIENTS)) {
    while ((await logLines(c)).slice(-5).some((l) => l !== `ok ${version}`)) {
      if (performance.now() > deadline) throw new Error(`${c} never settled on ${version}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function main(): Promise<void> {
  await setupProxyBench();

  const repo = await StacksRepo.create({ "README.md": "bench\n" });
  const ws = await Workspace.create({ repo: repo.url });
  const dir = await Deno.makeTempDir({ prefix: "astbench-" });
  const rows: [string, Measure][] = [];
  try {
    await docker("network", "create", NET);
    await startProxy(PROXY, NET, ALIAS, dir);
    const deploy = async (version: string, method: string, broken = false) => {
      await repo.commit({
        [`${STACK}/compose.yaml`]: compose(version, broken),
        [`${STACK}/deploy.yaml`]: settings(method),
      });
    };
    await deploy("v1", "simple");
    const first = await ws.run(["run"]);
    if (first.code !== 0) throw new Error(`first deploy failed: ${first.stdout}${first.stderr}`);
    await client(CLIENTS.proxy, NET, `http://${PROXY}:80/`);
    await client(CLIENTS.direct, NET, `http://${ALIAS}:8080/`);
    await settle("v1");

    for (
      const [label, version, method, broken] of [
        ["simple", "v2", "simple", false],
        ["canary (good)", "v3", "canary", false],
        ["canary (broken)", "v4", "canary", true],
      ] as const
    ) {
      await deploy(version, method, broken);
      rows.push([label, await measure(ws)]);
      await settle(broken ? "v3" : version);
    }
  } finally {
    await cleanup(ws, repo, dir);
  }
  report(rows);
}

async function cleanup(ws: Workspace, repo: StacksRepo, dir: string): Promise<void> {
  for (const c of [...Object.values(CLIENTS), PROXY]) {
    await daxRunner.run(["docker", "rm", "-f", c]);
  }
  for (const project of [STACK, `${STACK}-canary`]) {
    await daxRunner.run(["docker", "compose", "-p", project, "down", "-v", "--remove-orphans"]);
  }
  await daxRunner.run(["docker", "network", "rm", NET]);
  await ws.cleanup();
  await repo.cleanup();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

function report(rows: [string, Measure][]): void {
  const cell = (w: Window) => `${w.lost} of ${w.requests}`;
  const table = [
    ["method", "result", "update", "lost via caddy", "lost direct (alias)", "versions served"],
    ...rows.map(([label, m]) => [
      label,
      m.result,
      `${(m.ms / 1000).toFixed(1)}s`,
      cell(m.proxy),
      cell(m.direct),
      [...new Set([...m.proxy.served, ...m.direct.served])].join(" → "),
    ]),
  ];
  out(
    `requests lost while autostack updates one stack (each client asks every 100 ms;` +
      ` counted until ${TAIL_MS / 1000}s after the run)`,
  );
  printTable(table);
  for (const [label, m] of rows) {
    for (const line of m.errors) err(`caddy during ${label}: ${line}`);
  }
}

if (import.meta.main) await main();
