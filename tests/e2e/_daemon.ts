/**
 * A dead Docker daemon, noticed and started again once. Debian's dockerd
 * 20.10 has crashed here at the end of the full suite (a Go `concurrent map
 * read and map write` in a healthcheck), and every later test then failed
 * with connection errors that said nothing of the cause. So before each e2e
 * scene the harness asks the daemon; when it stopped answering after it had
 * answered (in this process, or a `dockerd` pid file says one ran), it runs
 * the set-up script once, which removes the stale pid file and starts it.
 * @module
 */
import type { Runner } from "../../lib/process.ts";

/** What {@link ensureDaemon} works with; tests pass fakes. */
export interface DaemonDeps {
  /** Runs `docker` and the set-up script. */
  runner: Runner;
  /** Whether dockerd left a pid file (it ran on this host). */
  ranBefore(): Promise<boolean>;
  /** Says what happened, on stderr. */
  log(line: string): void;
  /** The command that starts the daemon again (the set-up script). */
  restart: readonly string[];
}

/** How the daemon was found. */
export type DaemonState = "up" | "restarted";

/** Thrown when Docker is not there at all, or did not come back. */
export class DaemonError extends Error {}

/** Remembers, per process, whether the daemon answered and whether it was restarted. */
export class Daemon {
  #answered = false;
  #restarted = false;

  constructor(private readonly deps: DaemonDeps) {}

  /** Makes sure the daemon answers, restarting a dead one at most once per process. */
  async ensure(): Promise<DaemonState> {
    if (await this.#answers()) return "up";
    const died = this.#answered || await this.deps.ranBefore();
    if (!died) {
      throw new DaemonError(
        "Docker is not running here: run `deno task setup` " +
          "(or set AUTOSTACK_SKIP_DOCKER=1 to skip e2e tests)",
      );
    }
    if (this.#restarted) {
      throw new DaemonError("dockerd stopped answering again after it was restarted once");
    }
    this.#restarted = true;
    this.deps.log("e2e: dockerd stopped answering (it ran before): starting it again");
    const setup = await this.deps.runner.run(this.deps.restart, { timeoutMs: 120_000 });
    if (setup.code !== 0 || !await this.#answers()) {
      throw new DaemonError(`dockerd did not come back: ${setup.stderr.trim().split("\n").at(-1)}`);
    }
    this.deps.log("e2e: dockerd answers again");
    return "restarted";
  }

  async #answers(): Promise<boolean> {
    const version = await this.deps.runner.run(
      ["docker", "version", "--format", "{{.Server.Version}}"],
      { timeoutMs: 20_000 },
    );
    if (version.code === 0) this.#answered = true;
    return version.code === 0;
  }
}
