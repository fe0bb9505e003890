/**
 * `deno task demo`: autostack's whole story in well under a minute, on this
 * machine, offline. It turns `examples/` into a fresh git repo in a temp
 * folder, writes a config next to it, and runs the CLI (`deno run -A main.ts`
 * from the project root) as an operator would, printing each command: a dry
 * run, a first deploy, a broken commit that is rolled back and marked bad, and
 * a last run that skips the bad version quietly. At the end the demo stacks
 * are taken down (`docker compose -p NAME down`) and the temp folder removed,
 * unless `--keep` is given.
 *
 * Usage: deno run -A scripts/demo.ts [--keep]
 * @module
 */
import $ from "dax";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root, where main.ts lives. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The demo stacks repo's content. */
const EXAMPLES = join(ROOT, "examples");

/** A fixed author, so the demo works without a git identity configured. */
const GIT_ENV = {
  GIT_AUTHOR_NAME: "autostack demo",
  GIT_AUTHOR_EMAIL: "demo@example.invalid",
  GIT_COMMITTER_NAME: "autostack demo",
  GIT_COMMITTER_EMAIL: "demo@example.invalid",
};

/** The healthy probe of `demo-web` and the broken one the demo commits (the page is not there: 404). */
const GOOD_PROBE = "http://127.0.0.1:8080/ ";
const BROKEN_PROBE = "http://127.0.0.1:8080/healthz ";

/** Where the demo lives. */
interface Demo {
  /** The temp folder holding everything below. */
  dir: string;
  /** The stacks repo (a plain git repo; autostack clones it). */
  repo: string;
  /** The config file. */
  config: string;
  /** Compose project names of the demo stacks. */
  stacks: string[];
}

/** Raised when a step does not end as the demo expects; the demo still cleans up. */
class DemoError extends Error {}

let interrupted = false;

/** Runs the demo; returns the exit code. */
async function main(args: string[]): Promise<number> {
  const unknown = args.filter((a) => a !== "--keep");
  if (unknown.length > 0) {
    complain(`unknown argument "${unknown[0]}" (usage: demo.ts [--keep])`);
    return 2;
  }
  const keep = args.includes("--keep");
  clearAutostackEnv();
  const stacks = await listStacks();
  const taken = await takenNames(stacks);
  if (taken.length > 0) {
    const downs = taken.map((name) => `docker compose -p ${name} down`).join("; ");
    complain(
      `compose projects with the demo's names exist already (a demo cut short?): ` +
        `${taken.join(", ")}; take them down (${downs}) and try again`,
    );
    return 1;
  }
  const dir = await Deno.makeTempDir({ prefix: "autostack-demo-" });
  const demo = { dir, repo: join(dir, "stacks-repo"), config: join(dir, "autostack.yaml"), stacks };
  const onInterrupt = () => interrupted = true;
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    await story(demo);
    heading("Done: every step ended as expected");
    return 0;
  } catch (error) {
    if (!(error instanceof DemoError)) throw error;
    complain(error.message);
    return 1;
  } finally {
    await cleanUp(demo, keep);
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
}

/** The steps, in the order an operator would meet them. */
async function story(demo: Demo): Promise<void> {
  heading("Set-up: a stacks repo made from examples/ and a config");
  await makeRepo(demo);
  await writeConfig(demo);
  say(`DEMO=${demo.dir}`);
  say(`autostack = deno run -A main.ts (in ${ROOT})`);
  say(`$ cat $DEMO/autostack.yaml`);
  say(await Deno.readTextFile(demo.config));

  heading("1. What would a run do? (--dry-run changes nothing)");
  await autostack(demo, ["run", "--dry-run"], { code: 0 });

  heading("2. Deploy: each stack is started and waited on until healthy");
  say("(AUTOSTACK_LOG=info also shows the post_deploy script of demo-reports)");
  await autostack(demo, ["run"], { code: 0, env: { AUTOSTACK_LOG: "info" } });

  heading("3. Status");
  await autostack(demo, ["status"]);

  heading("4. A run with nothing to do prints nothing (cron mails only real events)");
  await autostack(demo, ["run"], { code: 0, silent: true });

  heading("5. A broken commit: demo-web's healthcheck now asks for a page that is not there");
  await breakWeb(demo);
  await autostack(demo, ["run", "--dry-run"], { code: 0 });

  heading("6. Run: demo-web is not healthy in 5s, so it is rolled back and the version marked bad");
  await autostack(demo, ["run"], { code: 1 });
  say("$ docker ps --filter label=com.docker.compose.project=demo-web");
  await $`docker ps --filter label=com.docker.compose.project=demo-web --format ${"table {{.Names}}\t{{.Status}}"}`
    .noThrow();

  heading("7. Status and history");
  await autostack(demo, ["status"]);
  await autostack(demo, ["history"]);

  heading("8. Run again: the bad version is not tried; exit 1 while it is held back");
  await autostack(demo, ["run"], { code: 1 });

  heading("9. And again: the skip was reported once, so nothing is printed (still exit 1)");
  await autostack(demo, ["run"], { code: 1, silent: true });
}

/** The folders of examples/stacks: the demo's compose project names. */
async function listStacks(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(join(EXAMPLES, "stacks"))) {
    if (entry.isDirectory) names.push(entry.name);
  }
  return names.sort();
}

/** The demo must never touch a project it did not start: the names that already have containers. */
async function takenNames(stacks: string[]): Promise<string[]> {
  const taken: string[] = [];
  for (const name of stacks) {
    const ids = await $`docker ps -aq --filter label=com.docker.compose.project=${name}`.text();
    if (ids.trim() !== "") taken.push(name);
  }
  return taken;
}

/** Keeps the caller's AUTOSTACK_* settings (they win over the config file) out of the demo. */
function clearAutostackEnv(): void {
  for (const key of Object.keys(Deno.env.toObject())) {
    if (key.startsWith("AUTOSTACK_") && key !== "AUTOSTACK_LOG") Deno.env.delete(key);
  }
}

/** Copies examples/ into a fresh git repo and commits it. */
async function makeRepo(demo: Demo): Promise<void> {
  await $`cp -R ${EXAMPLES} ${demo.repo}`;
  await git(demo, "init", "-q", "-b", "main");
  await git(demo, "add", "-A");
  await git(demo, "commit", "-q", "-m", "demo stacks");
}

/** Runs git in the demo repo with the fixed author, quietly. */
async function git(demo: Demo, ...args: string[]): Promise<string> {
  return await $`git -c commit.gpgsign=false ${args}`.cwd(demo.repo).env(GIT_ENV).text();
}

/** The demo's config: paths relative to the config file's folder. */
async function writeConfig(demo: Demo): Promise<void> {
  await Deno.writeTextFile(
    demo.config,
    [
      "repo: ./stacks-repo # relative paths resolve against this file's folder",
      "base_dir: ./state",
      "folders: [stacks]",
      "",
    ].join("\n"),
  );
}

/** Commits a failing healthcheck to demo-web, with `health_timeout: 5s` in a deploy.yaml. */
async function breakWeb(demo: Demo): Promise<void> {
  const compose = join(demo.repo, "stacks", "demo-web", "compose.yaml");
  const text = await Deno.readTextFile(compose);
  if (!text.includes(GOOD_PROBE)) {
    throw new DemoError(`${compose}: the healthcheck URL ${GOOD_PROBE.trim()} was not found`);
  }
  await Deno.writeTextFile(compose, text.replace(GOOD_PROBE, BROKEN_PROBE));
  await Deno.writeTextFile(
    join(dirname(compose), "deploy.yaml"),
    "# Do not wait the default 60s for a version that will not become healthy.\nhealth_timeout: 5s\n",
  );
  await git(demo, "add", "-A");
  await git(demo, "commit", "-q", "-m", "web: probe /healthz");
  say("$ git -C $DEMO/stacks-repo show --format=%s HEAD");
  say(await git(demo, "-c", "color.ui=never", "show", "--format=%s", "HEAD"));
}

/** What a CLI step of the demo expects. */
interface Expect {
  /** The exit code; another one ends the demo. Absent: any code is fine. */
  code?: number;
  /** The step must print nothing at all. */
  silent?: boolean;
  /** Extra environment variables, shown in front of the command. */
  env?: Record<string, string>;
}

/** Runs the CLI as an operator would, printing the command, its output and its exit code. */
async function autostack(demo: Demo, args: string[], expect: Expect = {}): Promise<number> {
  const env = expect.env ?? {};
  const vars = Object.entries(env).map(([key, value]) => `${key}=${value} `).join("");
  say(`$ ${vars}autostack ${args.join(" ")} --config $DEMO/autostack.yaml`);
  const result = await $`${Deno.execPath()} run -A --quiet main.ts ${args} --config ${demo.config}`
    .cwd(ROOT)
    .env(env)
    .stdin("null")
    .stdout("inheritPiped")
    .stderr("inheritPiped")
    .noThrow();
  if (interrupted) throw new DemoError("interrupted");
  say(`(exit ${result.code})`);
  const shown = `autostack ${args.join(" ")}`;
  if (expect.code !== undefined && result.code !== expect.code) {
    throw new DemoError(`${shown}: exit ${result.code}, expected ${expect.code}`);
  }
  if (expect.silent && (result.stdout + result.stderr).trim() !== "") {
    throw new DemoError(`${shown}: printed something, expected nothing`);
  }
  return result.code;
}

/** Takes the demo stacks down and removes (or keeps) the temp folder. */
async function cleanUp(demo: Demo, keep: boolean): Promise<void> {
  heading("Clean-up");
  for (const name of demo.stacks) {
    say(`$ docker compose -p ${name} down`);
    await $`docker compose -p ${name} down`.quiet().noThrow();
  }
  if (keep) {
    say(`kept (--keep): ${demo.dir}`);
    say(`  stacks repo ${demo.repo}, state ${join(demo.dir, "state")}, config ${demo.config}`);
    say(
      `  the stacks are down; look around with: deno task autostack history --config ${demo.config}`,
    );
    return;
  }
  await Deno.remove(demo.dir, { recursive: true });
  say(`removed ${demo.dir}`);
}

function heading(text: string): void {
  say(`\n== ${text}`);
}

function complain(text: string): void {
  // deno-lint-ignore no-console
  console.error(`demo: ${text}`);
}

function say(text: string): void {
  // deno-lint-ignore no-console
  console.log(text.replace(/\n$/, ""));
}

if (import.meta.main) Deno.exit(await main(Deno.args));
