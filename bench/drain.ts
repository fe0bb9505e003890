/**
 * `deno task bench:drain`: why the canary drains an old copy by reconnecting
 * it without its aliases rather than by disconnecting it.
 *
 * Two web containers answer to the alias `drainweb` behind Caddy (the same
 * config as `bench:downtime`); a client requests through Caddy every 100 ms.
 * Each round takes one container off the alias while the other serves, in one
 * of two ways, alternating:
 *
 * - A, reconnect: `Networks.hide`, autostack's own call (`network disconnect`
 *   + `network connect` without aliases at once): the container keeps its
 *   address, so Caddy's cached copy of it still works until Caddy looks again;
 * - B, disconnect: `Networks.leave` only (a plain drain): its address
 *   vanishes while Caddy may still hold it.
 *
 * Then `drain` (2.5 s) passes and the container rejoins the alias for the
 * next round. The requests each way lost in its windows are counted.
 * @module
 */
import { parseArgs } from "node:util";
import { daxRunner } from "../lib/process.ts";
import { Networks } from "../lib/docker/mod.ts";
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

const ALIAS = "drainweb";
const id = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
const NET = `astdrain_${id}`;
const PROXY = `astdrain_proxy_${id}`;
const CLIENT = `astdrain_client_${id}`;
const WEB = [`astdrain_web1_${id}`, `astdrain_web2_${id}`] as const;
/** How long the container stays off the alias before it rejoins (autostack's `drain`). */
const DRAIN_MS = 2500;
/** Time for Caddy to see the container back before the next round. */
const SETTLE_MS = 2500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// autostack's own network calls: A is exactly what its drain does.
const nets = new Networks(daxRunner, "docker");
const endpoint = { container: WEB[0], name: WEB[0], network: NET, aliases: [ALIAS] };

/** Takes `WEB[0]` off the alias one way, waits `drain`, puts it back; returns requests and losses. */
async function round(how: "reconnect" | "disconnect") {
  const before = (await logLines(CLIENT)).length;
  const since = new Date().toISOString();
  await (how === "reconnect" ? nets.hide([endpoint]) : nets.leave([endpoint]));
  await sleep(DRAIN_MS);
  // Back on the alias: a hidden endpoint is reconnected with it, a gone one connected.
  if (how === "reconnect") await nets.join([endpoint]);
  else await docker("network", "connect", "--alias", ALIAS, NET, WEB[0]);
  await sleep(SETTLE_MS);
  const lines = (await logLines(CLIENT)).slice(before);
  const lost = lines.filter((l) => l === "fail").length;
  return { requests: lines.length, lost, errors: lost > 0 ? await proxyErrors(PROXY, since) : [] };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: Deno.args, options: { rounds: { type: "string" } } });
  const rounds = Number(values.rounds ?? "20");
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error(`--rounds: must be a positive integer: ${values.rounds}`);
  }
  await setupProxyBench();
  const dir = await Deno.makeTempDir({ prefix: "astdrain-" });
  const totals = {
    reconnect: { rounds: 0, requests: 0, lost: 0, hit: 0 },
    disconnect: { rounds: 0, requests: 0, lost: 0, hit: 0 },
  };
  try {
    await docker("network", "create", NET);
    for (const web of WEB) {
      const serve =
        `mkdir -p /www && echo ${web} > /www/index.html && exec httpd -f -p 8080 -h /www`;
      await docker(
        ...["run", "-d", "--init", "--name", web, "--network", NET, "--network-alias", ALIAS],
        ...[IMAGE, "sh", "-c", serve],
      );
    }
    await startProxy(PROXY, NET, ALIAS, dir);
    await client(CLIENT, NET, `http://${PROXY}:80/`);
    await sleep(SETTLE_MS);
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0
        ? ["reconnect", "disconnect"] as const
        : ["disconnect", "reconnect"] as const;
      for (const how of order) {
        const r = await round(how);
        const t = totals[how];
        t.rounds++;
        t.requests += r.requests;
        t.lost += r.lost;
        if (r.lost > 0) t.hit++;
        err(`round ${i + 1}/${rounds} ${how}: lost ${r.lost} of ${r.requests}`);
        for (const line of r.errors) err(`  caddy: ${line}`);
      }
    }
  } finally {
    for (const c of [CLIENT, PROXY, ...WEB]) await daxRunner.run(["docker", "rm", "-f", c]);
    await daxRunner.run(["docker", "network", "rm", NET]);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  out(
    `requests through Caddy lost while one of two copies leaves the alias (${rounds} rounds each)`,
  );
  printTable([
    ["how it leaves the alias", "lost via caddy", "rounds with a loss"],
    ...(["reconnect", "disconnect"] as const).map((how) => {
      const t = totals[how];
      const label = how === "reconnect" ? "A reconnect without aliases" : "B disconnect";
      return [label, `${t.lost} of ${t.requests}`, `${t.hit} of ${t.rounds}`];
    }),
  ]);
}

if (import.meta.main) await main();
