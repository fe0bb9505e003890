/**
 * What the proxy benchmarks share: the Caddy in front (a scratch image built
 * by `scripts/setup_bench.sh`, `dynamic a` on an alias, re-resolved every
 * second, with retries and a short dial timeout), client containers that
 * request every 100 ms and log one line per request, and docker calls that
 * fail loudly.
 * @module
 */
import { join } from "node:path";
import { daxRunner } from "../lib/process.ts";

/** The busybox test image. */
export const IMAGE = Deno.env.get("AUTOSTACK_TEST_IMAGE") ?? "autostack-test/busybox:latest";
/** The Caddy image `scripts/setup_bench.sh` builds. */
export const CADDY = Deno.env.get("AUTOSTACK_BENCH_CADDY") ?? "autostack-bench/caddy:latest";

/** Caddy's config: port 80 proxies to every address of `alias`, port 8080. */
export function caddyfile(alias: string): string {
  return `{
\tadmin off
\tauto_https off
}
:80 {
\treverse_proxy {
\t\tdynamic a ${alias} 8080 {
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
}

/** Runs `docker ARGS`; throws with docker's words when it fails. */
export async function docker(...args: string[]): Promise<string> {
  const r = await daxRunner.run(["docker", ...args], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`docker ${args.slice(0, 2).join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Installs Caddy and builds its image when missing (`scripts/setup_bench.sh`). */
export async function setupProxyBench(): Promise<void> {
  const setup = await new Deno.Command("bash", {
    args: [join(import.meta.dirname ?? ".", "..", "scripts", "setup_bench.sh")],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!setup.success) throw new Error("scripts/setup_bench.sh failed");
}

/** Starts Caddy as `name` on `net`, proxying to `alias`; its config goes to `dir`. */
export async function startProxy(name: string, net: string, alias: string, dir: string) {
  await Deno.writeTextFile(join(dir, "Caddyfile"), caddyfile(alias));
  const file = `${join(dir, "Caddyfile")}:/etc/caddy/Caddyfile:ro`;
  await docker("run", "-d", "--name", name, "--network", net, "-v", file, CADDY);
}

/** A client loop on `net`: one `ok BODY` or `fail` line per request to `url`, every 100 ms. */
export function client(name: string, net: string, url: string): Promise<string> {
  const loop = `while true; do if r=$(timeout 1 wget -qO- ${url} 2>/dev/null); ` +
    `then echo "ok $r"; else echo fail; fi; sleep 0.1; done`;
  return docker("run", "-d", "--name", name, "--network", net, "--init", IMAGE, "sh", "-c", loop);
}

/** The lines a container logged so far. */
export async function logLines(container: string): Promise<string[]> {
  return (await docker("logs", container)).split("\n").filter((l) => l !== "");
}

/** Caddy's error lines since `since` (an ISO time), to tell why a request was lost. */
export async function proxyErrors(proxy: string, since: string): Promise<string[]> {
  const caddy = await daxRunner.run(["docker", "logs", "--since", since, proxy]);
  return `${caddy.stdout}${caddy.stderr}`.split("\n").filter((l) => /"level":"error"/.test(l));
}

/** Prints `table` with padded columns to stdout. */
export function printTable(table: string[][]): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table) out(r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
}

/** Writes one line to stdout. */
export function out(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
}

/** Writes one line to stderr. */
export function err(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
}
