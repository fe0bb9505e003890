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
import { join } from "node:path";
import { daxRunner } from "../lib/process.ts";
import { StacksRepo, Workspace } from "../tests/e2e/_harness.ts";

const IMAGE = Deno.env.get("AUTOSTACK_TEST_IMAGE") ?? "autostack-test/busybox:latest";
const CADDY = Deno.env.get("AUTOSTACK_BENCH_CADDY") ?? "autostack-bench/caddy:latest";
const ALIAS = "benchweb";
const id = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
const NET = `astbench_${id}`;
const STACK = `dtweb${id}`;
const PROXY = `astbench_proxy_${id}`;
const CLIENTS = { proxy: `astbench_via_proxy_${id}`, direct: `astbench_direct_${id}` };
/** Time after a run during which failures still count (the proxy's caches, a late start). */
const TAIL_MS = 3000;

const CADDYFILE = `{
\tadmin off
\tauto_https off
}
:80 {
\treverse_proxy {
\t\tdynamic a ${ALIAS} 8080 {
\t\t\trefresh 1s
\t\t}
\t\tlb_try_duration 1s
\t\tfail_duration 5s
\t\ttransport http {
\t\t\tdial_timeout 300ms
\t\t}
\t}
}
`;

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

async function docker(...args: string[]): Promise<string> {
  const r = await daxRunner.run(["docker", ...args], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`docker ${args.slice(0, 2).join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** A client loop: one `ok VERSION` or `fail` line per request, every 100 ms. */
function client(name: string, url: string): Promise<string> {
  const loop = `while true; do if r=$(timeout 1 wget -qO- ${url} 2>/dev/null); ` +
    `then echo "ok $r"; else echo fail; fi; sleep 0.1; done`;
  return docker("run", "-d", "--name", name, "--network", NET, "--init", IMAGE, "sh", "-c", loop);
}

async function logLines(container: string): Promise<string[]> {
  return (await docker("logs", container)).split("\n").filter((l) => l !== "");
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
  const caddy = await daxRunner.run(["docker", "logs", "--since", since, PROXY]);
  const errors = `${caddy.stdout}${caddy.stderr}`.split("\n").filter((l) =>
    /"level":"error"/.test(l)
  );
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
  const setup = await new Deno.Command("bash", {
    args: [join(import.meta.dirname ?? ".", "..", "scripts", "setup_bench.sh")],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!setup.success) throw new Error("scripts/setup_bench.sh failed");

  const repo = await StacksRepo.create({ "README.md": "bench\n" });
  const ws = await Workspace.create({ repo: repo.url });
  const dir = await Deno.makeTempDir({ prefix: "astbench-" });
  const rows: [string, Measure][] = [];
  try {
    await docker("network", "create", NET);
    await Deno.writeTextFile(join(dir, "Caddyfile"), CADDYFILE);
    const file = `${join(dir, "Caddyfile")}:/etc/caddy/Caddyfile:ro`;
    await docker("run", "-d", "--name", PROXY, "--network", NET, "-v", file, CADDY);
    const deploy = async (version: string, method: string, broken = false) => {
      await repo.commit({
        [`${STACK}/compose.yaml`]: compose(version, broken),
        [`${STACK}/deploy.yaml`]: settings(method),
      });
    };
    await deploy("v1", "simple");
    const first = await ws.run(["run"]);
    if (first.code !== 0) throw new Error(`first deploy failed: ${first.stdout}${first.stderr}`);
    await client(CLIENTS.proxy, `http://${PROXY}:80/`);
    await client(CLIENTS.direct, `http://${ALIAS}:8080/`);
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
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const out = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
  out(
    `requests lost while autostack updates one stack (each client asks every 100 ms;` +
      ` counted until ${TAIL_MS / 1000}s after the run)`,
  );
  for (const r of table) out(r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
  const err = (line: string) => Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
  for (const [label, m] of rows) {
    for (const line of m.errors) err(`caddy during ${label}: ${line}`);
  }
}

if (import.meta.main) await main();
