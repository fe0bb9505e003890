/**
 * A second Docker engine of a test's own, not in a swarm: the shared test
 * engine is a swarm manager and must stay one (other tests run on it at the
 * same time), so a test that needs a plain engine starts its own `dockerd`
 * beside it, with its own data, exec root, pid file, socket and bridge, and
 * no iptables rules (nothing that could clash with the shared engine's), and
 * points autostack at it with `DOCKER_HOST`. It is stopped and its folders
 * removed at the end, whether the test passed or not.
 * @module
 */
import { join } from "node:path";
import { daxRunner, type RunResult } from "../../lib/process.ts";
import { requireDocker, TEST_IMAGE } from "./_docker.ts";

/** How long the engine may take to answer after it started, or to stop. */
const START_MS = 30_000;
const STOP_MS = 30_000;

/** A running second engine: its `DOCKER_HOST` and a `docker` of its own. */
export interface Engine {
  /** The environment that points `docker` at this engine (`DOCKER_HOST=unix://…`). */
  env: Record<string, string>;
  /** Runs `docker ARGS` against this engine (never throws on a non-zero exit). */
  docker(...args: string[]): Promise<RunResult>;
}

/**
 * Starts a plain engine (no swarm) holding the test image, runs `fn` with it,
 * then stops it and removes its folders, whether `fn` passed or threw.
 */
export async function withEngine<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
  await requireDocker();
  // Short: a unix socket path must fit in 108 bytes.
  const dir = await Deno.makeTempDir({ prefix: "as-dockerd-" });
  const host = `unix://${join(dir, "docker.sock")}`;
  const env = { DOCKER_HOST: host };
  const engine: Engine = {
    env,
    docker: (...args) => daxRunner.run(["docker", ...args], { env }),
  };
  const bridge = await addBridge(dir);
  const child = startDockerd(dir, host, bridge);
  // dockerd logs on stderr: kept in a file, quoted when it does not start.
  const logged = Deno.open(join(dir, "dockerd.log"), { write: true, create: true })
    .then((file) => child.stderr.pipeTo(file.writable));
  try {
    await waitAnswers(engine, child.status, dir);
    await loadTestImage(engine);
    return await fn(engine);
  } finally {
    await stopEngine(engine, child, dir);
    await logged.catch(() => {});
    await daxRunner.run(["ip", "link", "delete", bridge]);
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A bridge of the engine's own: with `--bridge=none`, dockerd deletes the
 * interface `docker0` (moby's removeDefaultBridgeInterface), which is the
 * shared engine's; with a bridge named here, it leaves `docker0` alone.
 * Its address is in 10.254.0.0/16, away from Docker's default pools.
 */
async function addBridge(dir: string): Promise<string> {
  const name = `asbr${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  const subnet = `10.254.${Math.floor(Math.random() * 256)}.1/24`;
  for (
    const cmd of [
      ["ip", "link", "add", name, "type", "bridge"],
      ["ip", "addr", "add", subnet, "dev", name],
      ["ip", "link", "set", name, "up"],
    ]
  ) {
    const r = await daxRunner.run(cmd);
    if (r.code !== 0) {
      await daxRunner.run(["ip", "link", "delete", name]);
      await Deno.remove(dir, { recursive: true });
      throw new Error(`cannot make the second dockerd's bridge: ${cmd.join(" ")}: ${r.stderr}`);
    }
  }
  return name;
}

/** Starts `dockerd` with everything of its own under `dir`; a missing dockerd removes `dir` and says so. */
function startDockerd(dir: string, host: string, bridge: string): Deno.ChildProcess {
  try {
    return new Deno.Command("dockerd", {
      args: [
        "--data-root",
        join(dir, "data"),
        "--exec-root",
        join(dir, "exec"),
        "--pidfile",
        join(dir, "docker.pid"),
        "-H",
        host,
        // The shared engine owns docker0 and the iptables chains: leave them alone.
        `--bridge=${bridge}`,
        "--iptables=false",
        "--ip6tables=false",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    new Deno.Command("ip", { args: ["link", "delete", bridge] }).outputSync();
    Deno.removeSync(dir, { recursive: true });
    throw new Error(`cannot start a second dockerd for this test: ${error}`);
  }
}

async function waitAnswers(
  engine: Engine,
  exited: Promise<Deno.CommandStatus>,
  dir: string,
): Promise<void> {
  let gone = false;
  exited.then(() => gone = true);
  const end = performance.now() + START_MS;
  while (performance.now() < end && !gone) {
    if ((await engine.docker("info", "--format", "{{.ID}}")).code === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  const log = await Deno.readTextFile(join(dir, "dockerd.log")).catch(() => "");
  throw new Error(
    `a second dockerd did not answer on ${engine.env.DOCKER_HOST}: ${log.slice(-2000)}`,
  );
}

/** `docker save IMAGE | docker load` from the shared engine into this one (no registry here). */
async function loadTestImage(engine: Engine): Promise<void> {
  const tar = join(await Deno.makeTempDir({ prefix: "as-image-" }), "image.tar");
  try {
    const save = await daxRunner.run(["docker", "save", "-o", tar, TEST_IMAGE]);
    if (save.code !== 0) throw new Error(`docker save ${TEST_IMAGE}: ${save.stderr}`);
    const load = await engine.docker("load", "-i", tar);
    if (load.code !== 0) throw new Error(`docker load into the second engine: ${load.stderr}`);
  } finally {
    await Deno.remove(join(tar, ".."), { recursive: true }).catch(() => {});
  }
}

/**
 * Removes the engine's containers (so no shim or overlay mount outlives it),
 * stops the daemon with SIGTERM (SIGKILL after {@link STOP_MS}) and unmounts
 * anything left under its folder.
 */
async function stopEngine(
  engine: Engine,
  child: Deno.ChildProcess,
  dir: string,
): Promise<void> {
  const ids = await engine.docker("ps", "-aq");
  const list = ids.stdout.split("\n").filter((l) => l.trim() !== "");
  if (ids.code === 0 && list.length > 0) await engine.docker("rm", "-f", "-v", ...list);
  try {
    child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_MS);
  await child.status;
  clearTimeout(timer);
  const mounts = await Deno.readTextFile("/proc/mounts");
  const under = mounts.split("\n").map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(dir)).sort().reverse();
  for (const m of under) await daxRunner.run(["umount", "-l", m]);
}
