/**
 * Live progress: on a terminal (a pseudo-terminal from util-linux `script`),
 * `run` tells each stack as it finishes, with `jobs: 2` too; off a terminal it
 * prints the result lines alone, as cron mails them.
 */
import assert from "node:assert/strict";
import { SKIP_DOCKER } from "./_docker.ts";
import { CLI, webCompose } from "./_harness.ts";
import { outcomeLines, type Scene, stackFiles, withScene } from "./_scene.ts";

const ignore = SKIP_DOCKER;

/** `autostack run` on a pseudo-terminal: what the terminal showed, and the exit code. */
async function runOnTerminal(s: Scene): Promise<{ code: number; screen: string }> {
  const env: Record<string, string> = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };
  for (const key of ["HOME", "DOCKER_HOST", "AUTOSTACK_TEST_IMAGE"]) {
    const value = Deno.env.get(key);
    if (value !== undefined) env[key] = value;
  }
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const command = [...CLI, "run"]
    .concat(["--config", s.ws.config]).map(quote).join(" ");
  const out = await new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    env: { ...env, TERM: "xterm" },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, screen: new TextDecoder().decode(out.stdout).replaceAll("\r", "") };
}

Deno.test({
  name: "run on a terminal tells each stack as it finishes with jobs: 2; off one, only the results",
  ignore,
  fn: () =>
    withScene({ jobs: 2 }, async (s) => {
      const web = s.name("web");
      const api = s.name("api");
      await s.commit({
        ...stackFiles(web, webCompose()),
        ...stackFiles(api, webCompose({ healthy: false })),
      });
      const tty = await runOnTerminal(s);
      assert.equal(tty.code, 1, tty.screen);
      assert.match(tty.screen, new RegExp(`✔ ${web} deployed \\d[\\d.]*m?s\\n`));
      assert.match(tty.screen, new RegExp(`✘ ${api} failed \\d[\\d.]*m?s: not healthy`));

      await s.commit(stackFiles(web, webCompose({ extra: "    environment: [V=2]\n" })));
      const cron = await s.run();
      // api's bad version is still skipped (exit 1), but that was told already: silence.
      assert.equal(cron.code, 1, cron.stderr);
      assert.equal(cron.stderr, "");
      assert.doesNotMatch(cron.stdout, /[✔✘]/);
      assert.deepEqual(outcomeLines(cron).map((o) => [o.stack, o.result]), [[web, "deployed"]]);
      assert.equal(cron.stdout.trim().split("\n").length, 1);
    }),
});

/** `autostack ARGS | CONSUMER` in bash: autostack's exit code, and its stderr. */
async function piped(s: Scene, args: string[], consumer: string) {
  const script = `"$0" "$@" 2>"$ERRFILE" | ${consumer} >/dev/null; echo "\${PIPESTATUS[0]}"`;
  const errFile = await Deno.makeTempFile({ prefix: "autostack-stderr-" });
  try {
    const out = await new Deno.Command("bash", {
      args: [
        "-c",
        script,
        ...CLI,
        ...args,
        "--config",
        s.ws.config,
      ],
      env: { ERRFILE: errFile, AUTOSTACK_LOG: "warn" },
      stdout: "piped",
    }).output();
    const code = Number(new TextDecoder().decode(out.stdout).trim());
    return { code, stderr: await Deno.readTextFile(errFile) };
  } finally {
    await Deno.remove(errFile);
  }
}

Deno.test({
  name:
    "run whose stdout is closed still finishes its deploys; a dry run piped to head ends with 0",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const web = s.name("web");
      await s.commit(stackFiles(web, webCompose()));
      const dry = await piped(s, ["run", "--dry-run"], "head -1");
      assert.deepEqual(dry, { code: 0, stderr: "" });
      // `true` has exited long before the deploy prints its line.
      const run = await piped(s, ["run"], "true");
      assert.deepEqual(run, { code: 0, stderr: "" });
      assert.deepEqual((await s.history()).map((e) => [e.stack, e.result]), [[web, "deployed"]]);
    }),
});
