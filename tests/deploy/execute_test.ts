/**
 * Unit tests of carrying out a plan with a fake docker and git (real files in
 * a temp base_dir): which stacks are acted on, which outcomes come back, and
 * which lines `history.jsonl` gets.
 * @module
 */
import { fakeEngine, fakeRunner } from "../_fakes.ts";
import type { Engine } from "../../lib/docker/mod.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type DeployContext,
  type DeployItem,
  executePlan,
  type NoneItem,
  type PlanItem,
  type RemoveItem,
  type SkipBadItem,
} from "../../lib/deploy/mod.ts";
import { SETTINGS_DEFAULTS } from "../../lib/config/mod.ts";
import type { HistoryEntry } from "../../lib/outcome.ts";
import type { Runner, RunOptions, RunResult } from "../../lib/process.ts";
import {
  appendHistory,
  fileStamp,
  lastEntries,
  readVersion,
  statePaths,
  writeVersion,
} from "../../lib/state/mod.ts";
import { testContext, testDeps } from "../_deps.ts";

const HEAD = { commit: "c0ffee02", tree: "aaaa0000" };
const NOW = new Date("2026-03-01T12:00:00.000Z");
const TREES: Record<string, string> = {
  api: "a1a1a1a1",
  bad: "b2b2b2b2",
  old: "01d01d01",
  same: "5a5a5a5a",
  web: "3e3e3e3e",
  a: "aaaa1111",
  b: "bbbb2222",
  c: "cccc3333",
};
const OLD = { commit: "c0ffee01", tree: TREES.old!, pending: false };
const MARK = {
  tree: TREES.bad!,
  commit: "c0ffee01",
  marked_at: "2026-02-28T09:00:00.000Z",
  reason: "not healthy: app: unhealthy",
};
const BAD_WHY = `version marked bad ${MARK.marked_at}: ${MARK.reason}`;

/** The project a compose or `docker ps` call is about. */
function projectOf(cmd: readonly string[]): string | undefined {
  const p = cmd.indexOf("-p");
  if (p >= 0) return cmd[p + 1];
  return cmd.find((a) => a.startsWith("label=com.docker.compose.project="))?.split("=")[2];
}

/** What a compose or docker call is: `up`, `down`… for compose; `ps`, `inspect` for docker. */
function verbOf(cmd: readonly string[]): string | undefined {
  if (cmd[1] !== "compose") return cmd[1];
  return cmd.find((a) => ["up", "config", "ps", "stop", "start", "down"].includes(a));
}

/**
 * A docker whose projects in `up` have one healthy `app` container: `up` adds
 * a project, `down` removes it; and a git that lists `compose.yaml` for every
 * tree of {@link TREES}.
 */
function fakeWorld(up: Set<string>) {
  return (cmd: readonly string[], _options: RunOptions): Partial<RunResult> => {
    if (cmd[0] === "git") {
      const tree = cmd.at(-1)!;
      if (Object.values(TREES).includes(tree)) return { stdout: "compose.yaml\0" };
      return { code: 128, stderr: `fatal: not a tree object: ${tree}` };
    }
    const project = projectOf(cmd) ?? "";
    switch (verbOf(cmd)) {
      case "up":
        up.add(project);
        return {};
      case "down":
        up.delete(project);
        return {};
      case "config":
        return {
          stdout: cmd.includes("json")
            ? JSON.stringify({ services: { app: { image: "autostack-test/busybox:latest" } } })
            : "app\n",
        };
      case "ps": {
        if (!up.has(project)) return { stdout: "" };
        const line = [project, "running", "app", "Up 1 second (healthy)", `${project}1`];
        return { stdout: [...line, `${project}-app-1`, "False"].join("\t") };
      }
      default:
        return {};
    }
  };
}

/** A base_dir with a clone holding `names` (one compose file each). */
async function withBase(
  names: string[],
  test: (base: string) => Promise<void>,
): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "autostack-execute-" });
  try {
    const paths = statePaths(base);
    for (const name of names) {
      await Deno.mkdir(join(paths.repo, name), { recursive: true });
      await Deno.writeTextFile(join(paths.repo, name, "compose.yaml"), `# ${name}\n`);
    }
    await test(base);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

/** Runs the plan as `run` does: each stack's last history entry read first. */
async function execute(ctx: DeployContext, plan: PlanItem[]): Promise<HistoryEntry[]> {
  const previous = await lastEntries(ctx.paths.history, plan.map((i) => i.name));
  const done = await executePlan(ctx, plan, previous);
  assert.equal(done.hostFault, undefined);
  return done.entries;
}

function contextOf(base: string, runner: Runner, jobs = 1, engine?: Engine): DeployContext {
  const deps = testDeps({ runner, cwd: base, now: () => NOW, ...engine ? { engine } : {} });
  const ctx = testContext(base, HEAD, deps);
  return { ...ctx, config: { ...ctx.config, jobs } };
}

function stackOf(name: string) {
  return { name, path: name, composeFile: "compose.yaml", tree: TREES[name]! };
}

function deployItem(name: string): DeployItem {
  return {
    name,
    status: "new",
    action: "deploy",
    why: "not deployed yet",
    stack: stackOf(name),
    settings: SETTINGS_DEFAULTS,
  };
}

function skipItem(): SkipBadItem {
  return {
    name: "bad",
    status: "bad",
    action: "skip_bad",
    why: BAD_WHY,
    stack: stackOf("bad"),
    settings: SETTINGS_DEFAULTS,
    bad: MARK,
    restart: false,
    deployed: { commit: "c0ffee00", tree: "b0b0b0b0", pending: false },
  };
}

const REMOVE_OLD: RemoveItem = {
  name: "old",
  status: "removed",
  action: "remove",
  why: "left the repo",
  deployed: OLD,
};

const NONE_SAME: NoneItem = {
  name: "same",
  status: "unchanged",
  action: "none",
  why: "",
  stack: stackOf("same"),
  settings: SETTINGS_DEFAULTS,
  deployed: { commit: "c0ffee01", tree: TREES.same!, pending: false },
};

async function historyLines(base: string): Promise<HistoryEntry[]> {
  const text = await Deno.readTextFile(join(base, "history.jsonl")).catch(() => "");
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

function entry(over: Partial<HistoryEntry>): HistoryEntry {
  return {
    time: NOW.toISOString(),
    stack: "x",
    commit: HEAD.commit,
    tree: "",
    method: "simple",
    result: "deployed",
    duration_ms: 0,
    message: "",
    services: [],
    project: over.stack ?? "x",
    ...over,
  };
}

Deno.test("executePlan() deploys, skips, removes, leaves none items alone, and writes one history line per acted stack", async () => {
  await withBase(["api", "bad", "same"], async (base) => {
    const paths = statePaths(base);
    // `old` left the repo: its folder holds its files and one a container wrote.
    await Deno.mkdir(join(paths.running("old"), "logs"), { recursive: true });
    await Deno.writeTextFile(join(paths.running("old"), "compose.yaml"), "# old\n");
    await Deno.writeTextFile(join(paths.running("old"), "logs", "app.log"), "hello\n");
    await writeVersion(paths.running("old"), OLD);
    const up = new Set(["old", "same"]);
    const runner = fakeRunner(fakeWorld(up));
    const ctx = contextOf(base, runner);
    const plan: PlanItem[] = [deployItem("api"), skipItem(), REMOVE_OLD, NONE_SAME];

    const entries = await execute(ctx, plan);

    assert.deepEqual(entries, [
      entry({ stack: "api", tree: TREES.api, message: "healthy" }),
      entry({ stack: "bad", tree: TREES.bad, result: "skipped_bad", message: BAD_WHY }),
      entry({
        stack: "old",
        commit: OLD.commit,
        tree: OLD.tree,
        method: "",
        result: "removed",
        message: "taken down: left the repo; 1 file(s) not from the repo moved to orphans",
      }),
    ]);
    assert.deepEqual(await historyLines(base), entries);

    // The none item was not acted on: no docker or git call is about it.
    assert.ok(!runner.calls.some((c) => projectOf(c.cmd) === "same"));
    assert.ok(!runner.calls.some((c) => c.cmd.includes(TREES.same!)));
    assert.ok(up.has("same"));
    // The skipped stack was not touched either.
    assert.ok(!runner.calls.some((c) => projectOf(c.cmd) === "bad"));

    // api is up from its running folder, marked final and saved as good.
    assert.ok(up.has("api"));
    assert.deepEqual(await readVersion(paths.running("api")), {
      commit: HEAD.commit,
      tree: TREES.api,
      pending: false,
    });
    assert.equal(await Deno.readTextFile(join(paths.good("api"), "compose.yaml")), "# api\n");

    // old is down, its folder gone, the container's file kept aside.
    assert.ok(!up.has("old"));
    const downs = runner.calls.filter((c) => verbOf(c.cmd) === "down").map((c) => projectOf(c.cmd));
    assert.deepEqual(downs, ["old"]);
    await assert.rejects(Deno.stat(paths.running("old")), Deno.errors.NotFound);
    const orphan = join(paths.orphans("old"), fileStamp(NOW), "logs", "app.log");
    assert.equal(await Deno.readTextFile(orphan), "hello\n");
  });
});

Deno.test("executePlan() with only none items runs nothing and writes no history", async () => {
  await withBase(["same"], async (base) => {
    const runner = fakeRunner(fakeWorld(new Set(["same"])));
    assert.deepEqual(await execute(contextOf(base, runner), [NONE_SAME]), []);
    assert.deepEqual(runner.calls, []);
    await assert.rejects(Deno.stat(join(base, "history.jsonl")), Deno.errors.NotFound);
  });
});

Deno.test("executePlan() writes a skipped bad version once, however many runs skip it", async () => {
  await withBase(["bad"], async (base) => {
    const runner = fakeRunner(fakeWorld(new Set()));
    const first = await execute(contextOf(base, runner), [skipItem()]);
    assert.deepEqual(first.map((e) => [e.stack, e.result, e.tree]), [
      ["bad", "skipped_bad", TREES.bad],
    ]);
    const second = await execute(contextOf(base, runner), [skipItem()]);
    const third = await execute(contextOf(base, runner), [skipItem()]);
    assert.deepEqual(second, []);
    assert.deepEqual(third, []);
    assert.deepEqual(await historyLines(base), first);
  });
});

Deno.test("executePlan() does not write a skip right after the failure that marked the same tree, but does after another tree's", async () => {
  await withBase(["bad"], async (base) => {
    const history = join(base, "history.jsonl");
    const rolledBack = entry({
      stack: "bad",
      tree: TREES.bad,
      result: "rolled_back",
      message: "not healthy: app: unhealthy; version marked bad; back on c0ffee0",
    });
    await appendHistory(history, rolledBack);
    const runner = fakeRunner(fakeWorld(new Set()));
    assert.deepEqual(await execute(contextOf(base, runner), [skipItem()]), []);
    assert.deepEqual(await historyLines(base), [rolledBack]);

    // The last word on the stack is now about another version: the skip is news.
    const other = entry({ stack: "bad", tree: "b0b0b0b0", result: "failed", message: "x" });
    await appendHistory(history, other);
    const written = await execute(contextOf(base, runner), [skipItem()]);
    assert.deepEqual(written.map((e) => [e.result, e.tree]), [["skipped_bad", TREES.bad]]);
    assert.deepEqual(await historyLines(base), [rolledBack, other, ...written]);
  });
});

Deno.test("executePlan() with jobs > 1 deploys at once yet returns the entries in plan order", async () => {
  for (const jobs of [1, 3]) {
    await withBase(["a", "b", "c"], async (base) => {
      const fake = fakeRunner(fakeWorld(new Set()));
      // `a`, first in the plan, is the slowest to come up.
      const runner: Runner = {
        async run(cmd, options) {
          if (verbOf(cmd) === "up" && projectOf(cmd) === "a") {
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          return await fake.run(cmd, options);
        },
      };
      const plan = [deployItem("a"), deployItem("b"), deployItem("c")];
      const entries = await execute(contextOf(base, runner, jobs), plan);
      assert.deepEqual(entries.map((e) => [e.stack, e.result]), [
        ["a", "deployed"],
        ["b", "deployed"],
        ["c", "deployed"],
      ]);
      // The file is in the order the outcomes were reached: one at a time, the
      // plan's; with 3 jobs `b` and `c` went past the slow `a`, which came last.
      const order = (await historyLines(base)).map((e) => e.stack);
      assert.deepEqual([...order].sort(), ["a", "b", "c"]);
      if (jobs === 1) assert.deepEqual(order, ["a", "b", "c"]);
      else assert.equal(order.at(-1), "a", `jobs ${jobs}: ${order}`);
    });
  }
});

Deno.test("executePlan() turns a deploy whose docker calls throw into a failed outcome, and goes on with the others", async () => {
  await withBase(["api", "web"], async (base) => {
    const fake = fakeRunner(fakeWorld(new Set()));
    const runner: Runner = {
      run(cmd, options) {
        if (cmd[0] === "docker" && projectOf(cmd) === "api") {
          return Promise.reject(new Error("Failed to spawn 'docker': No such file or directory"));
        }
        return fake.run(cmd, options);
      },
    };
    const entries = await execute(contextOf(base, runner), [
      deployItem("api"),
      deployItem("web"),
    ]);
    assert.deepEqual(entries, [
      entry({
        stack: "api",
        tree: TREES.api,
        result: "failed",
        message: "Failed to spawn 'docker': No such file or directory",
      }),
      entry({ stack: "web", tree: TREES.web, message: "healthy" }),
    ]);
    assert.deepEqual(await historyLines(base), entries);
  });
});

Deno.test("executePlan() tells onDone each acted stack's outcome, the unwritten repeat skip too", async () => {
  await withBase(["bad"], async (base) => {
    const runner = fakeRunner(fakeWorld(new Set()));
    const ctx = contextOf(base, runner);
    await execute(ctx, [skipItem()]);
    const heard: HistoryEntry[] = [];
    const previous = await lastEntries(ctx.paths.history, ["bad"]);
    const done = await executePlan(ctx, [skipItem(), NONE_SAME], previous, (e) => heard.push(e));
    assert.deepEqual(done.entries, [], "the repeat skip is not written");
    assert.deepEqual(heard.map((e) => [e.stack, e.result]), [["bad", "skipped_bad"]]);
  });
});

Deno.test("executePlan() leaves a swarm version running when the plan asks to restart it under a skipped bad Compose version", async () => {
  await withBase(["bad"], async (base) => {
    // The stack went back to Compose, that version failed and was marked bad, and its
    // swarm version runs again: a plan without swarm stacks sees no containers of it.
    await Deno.mkdir(join(statePaths(base).running("bad")), { recursive: true });
    await Deno.writeTextFile(
      join(statePaths(base).running("bad"), "compose.yaml"),
      "services:\n  app:\n    image: x\n",
    );
    await Deno.writeTextFile(join(statePaths(base).running("bad"), "deploy.yaml"), "mode: swarm\n");
    const world = fakeWorld(new Set());
    const runner = fakeRunner(world);
    const spec = { Name: "bad_app", Mode: { Replicated: { Replicas: 1 } } };
    const engine = fakeEngine((request) =>
      request.path === "/services" ? { body: [{ ID: "b", Spec: spec }] } : undefined
    );
    const item = { ...skipItem(), restart: true };
    const first = await execute(contextOf(base, runner, 1, engine), [item]);
    assert.deepEqual(first.map((e) => [e.result, e.message]), [["skipped_bad", BAD_WHY]]);
    assert.deepEqual(
      await execute(contextOf(base, runner, 1, engine), [item]),
      [],
      "not news again",
    );
    assert.equal(runner.calls.some((c) => c.cmd[1] === "compose" || c.cmd[2] === "deploy"), false);
  });
});
