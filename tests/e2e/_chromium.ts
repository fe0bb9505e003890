/**
 * Headless Chromium for the status page's e2e test: Debian's `chromium`,
 * installed when missing (as scripts/setup.sh does), run with
 * `--headless --no-sandbox --disable-gpu` (root in a container has no
 * sandbox) and a throwaway profile, so that tests may run it side by side.
 * @module
 */
import { join } from "node:path";
import { ROOT } from "./_harness.ts";

/** Where screenshots are kept as test artifacts (gitignored). */
export const ARTIFACTS = join(ROOT, "tests", "e2e", "artifacts");

let installed: Promise<void> | undefined;

/** Installs Debian's chromium unless `chromium` runs; throws a clear error when it cannot. */
export function ensureChromium(): Promise<void> {
  installed ??= (async () => {
    if ((await run("chromium", ["--version"]).catch(() => undefined))?.code === 0) return;
    for (const args of [["update", "-qq"], ["install", "-y", "-qq", "chromium"]]) {
      const r = await run("apt-get", args, { DEBIAN_FRONTEND: "noninteractive" }, 300_000)
        .catch((e) => ({ code: -1, stdout: "", stderr: String(e) }));
      if (r.code !== 0) {
        throw new Error(
          `chromium is missing and apt-get ${
            args[0]
          } failed (run \`deno task setup\` as root): ${r.stderr}`,
        );
      }
    }
  })();
  return installed;
}

/** `chromium --headless … ARGS URL`: its stdout (the DOM with `--dump-dom`). */
export async function chromium(args: string[], url: string): Promise<string> {
  await ensureChromium();
  const profile = await Deno.makeTempDir({ prefix: "autostack-chromium-" });
  try {
    const r = await run("chromium", [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      `--user-data-dir=${profile}`,
      ...args,
      url,
    ]);
    if (r.code !== 0) throw new Error(`chromium ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

async function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
) {
  const child = new Deno.Command(cmd, {
    args,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const out = await child.output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}
