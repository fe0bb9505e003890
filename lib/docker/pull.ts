/**
 * `docker pull IMAGE@DIGEST`: the pull of an image pinned by digest
 * (docs/image-updates.md#pins), before anything is stopped. Compose pulls by
 * tag, and the tag may have moved since it was checked.
 * @module
 */
import { ComposeError, daemonDown, DockerDownError } from "../errors.ts";
import { type Runner, tail } from "../process.ts";

/** How long one pull may take (as long as a compose pull). */
const PULL_TIMEOUT_MS = 900_000;

/** Pulls `image` with `engine`; throws a {@link ComposeError} with docker's words when it fails. */
export async function pullImage(runner: Runner, engine: string, image: string): Promise<void> {
  const r = await runner.run([engine, "pull", "--quiet", image], { timeoutMs: PULL_TIMEOUT_MS });
  if (r.code === 0) return;
  if (daemonDown(r.stderr)) throw new DockerDownError(tail(r.stderr, 3));
  const why = r.code === 124 ? "timed out" : tail(r.stderr, 3).replace(/\n/g, "; ");
  throw new ComposeError(`docker pull ${image}: ${why}`);
}
