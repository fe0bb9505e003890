/**
 * A real image registry for the image-update tests and bench: Debian's
 * `docker-registry` (installed by scripts/setup.sh) started on a free loopback
 * port with its own config and storage in a temp dir, optionally behind
 * htpasswd (Basic) auth, and tiny images built FROM the local busybox image,
 * each with its own marker file so that every build has its own digest.
 * Everything it made (the process, the folder, the images) goes at `close()`.
 * @module
 */
import { join } from "node:path";
import { daxRunner } from "../../lib/process.ts";
import { TEST_IMAGE } from "./_docker.ts";

/** The user and password of a registry started with `auth: true`. */
export const REGISTRY_USER = { username: "e2e", password: "e2e-secret" };
// bcrypt of REGISTRY_USER.password (cost 5: the registry checks it on every request).
const HTPASSWD = "e2e:$2a$05$ZbH2TZBDSG84ASx1eIGZveeslOu4LqmGc67hPGG27syxpSwGrVRIi\n";

/** An image pushed to the registry. */
export interface Pushed {
  /** `HOST/REPO:TAG`. */
  ref: string;
  /** The digest the registry answers for the tag (`sha256:…`). */
  digest: string;
  /** The local image id (what a container built from it reports). */
  id: string;
}

async function sh(cmd: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await daxRunner.run(cmd, { env, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** A running `docker-registry` on 127.0.0.1. */
export class LocalRegistry {
  #process: Deno.ChildProcess | undefined;
  readonly #images = new Set<string>();

  private constructor(
    /** `127.0.0.1:PORT`. */
    readonly host: string,
    /** Its temp folder (config, storage, and a DOCKER_CONFIG with its credentials). */
    readonly dir: string,
    readonly auth: boolean,
  ) {}

  /** Starts a registry; with `auth`, behind htpasswd, with `dockerConfig` holding the login. */
  static async start(options: { auth?: boolean } = {}): Promise<LocalRegistry> {
    const found = await daxRunner.run(["sh", "-c", "command -v docker-registry"]);
    if (found.code !== 0) {
      throw new Error("docker-registry is not installed: run `deno task setup` (scripts/setup.sh)");
    }
    const dir = await Deno.makeTempDir({ prefix: "autostack-registry-" });
    const port = freePort();
    const registry = new LocalRegistry(`127.0.0.1:${port}`, dir, options.auth ?? false);
    const auth = options.auth
      ? `auth:\n  htpasswd:\n    realm: autostack-e2e\n    path: ${join(dir, "htpasswd")}\n`
      : "";
    await Deno.writeTextFile(join(dir, "htpasswd"), HTPASSWD);
    await Deno.writeTextFile(
      join(dir, "config.yml"),
      `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${
        join(dir, "storage")
      }\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
    );
    await Deno.mkdir(registry.dockerConfig);
    const login = btoa(`${REGISTRY_USER.username}:${REGISTRY_USER.password}`);
    await Deno.writeTextFile(
      join(registry.dockerConfig, "config.json"),
      JSON.stringify({ auths: { [registry.host]: { auth: login } } }),
    );
    await registry.#spawn();
    return registry;
  }

  /** A DOCKER_CONFIG folder whose config.json holds this registry's login. */
  get dockerConfig(): string {
    return join(this.dir, "docker-config");
  }

  async #spawn(): Promise<void> {
    this.#process = new Deno.Command("docker-registry", {
      args: ["serve", join(this.dir, "config.yml")],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const end = performance.now() + 15_000;
    while (performance.now() < end) {
      try {
        const r = await fetch(`http://${this.host}/v2/`);
        await r.body?.cancel();
        if (r.status === 200 || r.status === 401) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`docker-registry did not answer on ${this.host} within 15 s`);
  }

  /**
   * Builds an image FROM the busybox test image holding `/marker` with
   * `marker` (and `/bad` when `bad`), tags it `HOST/REPO:TAG`, pushes it and
   * returns what the registry now answers for the tag.
   */
  async push(repo: string, tag: string, marker: string, bad = false): Promise<Pushed> {
    const ref = `${this.host}/${repo}:${tag}`;
    const ctx = await Deno.makeTempDir({ prefix: "autostack-image-" });
    try {
      const run = bad ? `echo ${marker} > /marker && touch /bad` : `echo ${marker} > /marker`;
      await Deno.writeTextFile(
        join(ctx, "Dockerfile"),
        `FROM ${TEST_IMAGE}\nRUN ${run}\nLABEL autostack.e2e.marker=${marker}\n`,
      );
      // No network for RUN: it needs none, and the default bridge may be missing on a host.
      await sh(["docker", "build", "-q", "--network", "none", "-t", ref, ctx], {
        DOCKER_BUILDKIT: "0",
      });
    } finally {
      await Deno.remove(ctx, { recursive: true });
    }
    this.#images.add(ref);
    const env = { DOCKER_CONFIG: this.dockerConfig };
    await sh(["docker", "push", "-q", ref], env);
    const id = await sh(["docker", "image", "inspect", "--format", "{{.Id}}", ref]);
    const digests: string[] = JSON.parse(
      await sh(["docker", "image", "inspect", "--format", "{{json .RepoDigests}}", ref]),
    );
    const digest = digests.find((d) => d.startsWith(`${this.host}/${repo}@`))?.split("@")[1];
    if (digest === undefined) throw new Error(`${ref}: no repo digest after push`);
    return { ref, digest, id };
  }

  /** Removes the local copy of an image (so a deploy must pull it). */
  async forget(pushed: Pushed): Promise<void> {
    await daxRunner.run([
      "docker",
      "image",
      "rm",
      "-f",
      `${pushed.ref.split(":").slice(0, -1).join(":")}@${pushed.digest}`,
    ]);
    await daxRunner.run(["docker", "image", "rm", "-f", pushed.ref]);
  }

  /** Stops the registry process (its storage stays: {@link restart} brings it back). */
  async stop(): Promise<void> {
    if (this.#process === undefined) return;
    this.#process.kill("SIGTERM");
    await this.#process.status;
    this.#process = undefined;
  }

  /** Starts the stopped registry again on the same port and storage. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  /** Stops it, removes its folder and every image it built (by the marker label). */
  async close(): Promise<void> {
    await this.stop();
    const ids = await daxRunner.run([
      "docker",
      "image",
      "ls",
      "-q",
      "--filter",
      `reference=${this.host}/*`,
    ]);
    const list = [...new Set(ids.stdout.split("\n").filter((l) => l !== ""))];
    if (list.length > 0) await daxRunner.run(["docker", "image", "rm", "-f", ...list]);
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
