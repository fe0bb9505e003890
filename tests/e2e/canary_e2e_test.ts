/**
 * End-to-end tests of `method: canary` (docs/canary.md) against real Docker: the new
 * version starts beside the old one under the stack's second project name,
 * joins the shared alias once healthy, soaks, and replaces the old one; a
 * failure removes the new copy while the old one serves throughout.
 * @module
 */
import assert from "node:assert/strict";
import { StatusJsonSchema } from "../../mod.ts";
import { join } from "node:path";
import { SKIP_DOCKER } from "./_docker.ts";
import { spawnCli } from "./_harness.ts";
import { allHealthy, containersOf, outcomeLines, type Scene, stackFiles } from "./_scene.ts";
import {
  askAlias,
  CANARY,
  canaryCompose,
  copiesOf,
  watchServing,
  withCanaryScene,
} from "./_canary.ts";

const ignore = SKIP_DOCKER;

/** Deploys v1 of a new canary stack (a first deploy has nothing to keep serving: simple). */
async function deployV1(s: Scene, net: string, names: string[]) {
  const name = s.name("c");
  names.push(name);
  const v1 = await s.commit(stackFiles(name, canaryCompose(net, "v1"), CANARY));
  const r = await s.run();
  assert.equal(r.code, 0, r.stderr);
  assert.match(outcomeLines(r)[0]?.message ?? "", /canary: nothing was running/);
  assert.equal(await askAlias(net), "v1");
  return { name, v1 };
}

/** Runs the deploy of the commit just made while watching v1's container serve throughout. */
async function runWatchingOld(s: Scene, name: string) {
  const [old] = await containersOf(name);
  assert.ok(old && allHealthy([old]), JSON.stringify(old));
  const run = spawnCli(["run", "--config", s.ws.config], { cwd: s.ws.dir });
  const notServing = await watchServing(name, old.id, run.result);
  const r = await run.result;
  assert.deepEqual(notServing, [], "the old copy kept running and healthy throughout");
  const after = await containersOf(name);
  assert.deepEqual(after.map((c) => c.id), [old.id], "the old container is untouched");
  return r;
}

Deno.test({
  name: "two canary updates in a row switch projects and leave one copy serving the newest",
  ignore,
  fn: () =>
    withCanaryScene(async (s, net, names) => {
      const { name, v1 } = await deployV1(s, net, names);
      const tree1 = await s.repo.tree(name);
      // The scripts count the running containers of each project when they run.
      const count = (project: string) =>
        `$(docker ps -q --filter label=com.docker.compose.project=${project} | wc -l)`;
      const scripts = {
        pre_deploy: `echo "pre: old ${count(name)} new ${count(`${name}-canary`)}"`,
        post_deploy: `echo "post: old ${count(name)} new ${count(`${name}-canary`)}"`,
      };
      const v2 = await s.commit(
        stackFiles(name, canaryCompose(net, "v2"), { ...CANARY, ...scripts }),
      );
      const tree2 = await s.repo.tree(name);

      const r2 = await s.run();
      assert.equal(r2.code, 0, r2.stderr);
      assert.equal(r2.stderr, "");
      const [line] = outcomeLines(r2);
      assert.deepEqual([line?.result, line?.commit], ["deployed", v2.slice(0, 7)]);
      assert.match(line?.message ?? "", new RegExp(`stayed healthy 2.0s .*live as ${name}-canary`));
      assert.deepEqual(await copiesOf(name), { [`${name}-canary`]: 1 });
      assert.equal(await askAlias(net), "v2");
      assert.deepEqual(await s.version(name), [v2, `tree ${tree2}`, `project ${name}-canary`]);
      assert.deepEqual(await s.version(name, "good_stacks"), [v1, `tree ${tree1}`]);
      const history = await s.history();
      assert.deepEqual(history.map((e) => [e.method, e.result, e.project]), [
        ["simple", "deployed", name],
        ["canary", "deployed", `${name}-canary`],
      ]);
      // pre_deploy ran with the old copy serving and before the new one started; post_deploy
      // once the old one was gone.
      assert.equal(history[1]?.output, "pre: old 1 new 0\npost: old 0 new 1");
      const status = await s.ws.run(["status", "--json"]);
      const live = StatusJsonSchema.parse(JSON.parse(status.stdout)).stacks;
      assert.deepEqual(live.map((l) => [l.stack, l.project, l.health, l.last?.result]), [
        [name, `${name}-canary`, "healthy", "deployed"],
      ]);

      const v3 = await s.commit(stackFiles(name, canaryCompose(net, "v3"), CANARY));
      const r3 = await s.run();
      assert.equal(r3.code, 0, r3.stderr);
      assert.match(outcomeLines(r3)[0]?.message ?? "", new RegExp(`live as ${name}$`));
      assert.deepEqual(await copiesOf(name), { [name]: 1 });
      assert.equal(await askAlias(net), "v3");
      const [commit3, , project3] = await s.version(name);
      assert.deepEqual([commit3, project3], [v3, `project ${name}`]);
      assert.equal((await s.version(name, "good_stacks"))[1], `tree ${tree2}`);
      const running = join(s.ws.base, "running_stacks", name, "compose.yaml");
      assert.equal(await Deno.readTextFile(running), canaryCompose(net, "v3"));
      const folders = [];
      for await (const e of Deno.readDir(join(s.ws.base, "canary_stacks", name))) {
        folders.push(e.name);
      }
      assert.deepEqual(folders, [name], "only the live copy's folder is kept");

      const quiet = await s.run();
      assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, "", ""]);
    }),
});

Deno.test({
  name: "a canary that never becomes healthy is removed while the old copy serves throughout",
  ignore,
  fn: () =>
    withCanaryScene(async (s, net, names) => {
      const { name } = await deployV1(s, net, names);
      const v2 = await s.commit(
        stackFiles(name, canaryCompose(net, "v2", { probe: "exit 1" }), CANARY),
      );
      const tree2 = await s.repo.tree(name);

      const r = await runWatchingOld(s, name);
      assert.equal(r.code, 1);
      const [line] = outcomeLines(r);
      assert.deepEqual([line?.result, line?.commit], ["rolled_back", v2.slice(0, 7)]);
      assert.match(line?.message ?? "", /^not healthy: web: unhealthy/);
      assert.match(line?.message ?? "", /version marked bad; the new copy was removed; the old/);
      assert.match(r.stderr, new RegExp(`^autostack: stack "${name}": rolled_back: not healthy`));
      assert.deepEqual(await copiesOf(name), { [name]: 1 });
      assert.equal(await askAlias(net), "v1");
      assert.equal((await s.bad())[name]?.tree, tree2);
      assert.equal((await s.version(name)).length, 2, "still v1, under the stack's own name");
      assert.equal((await s.history()).at(-1)?.project, name);
    }),
});

Deno.test({
  name: "a canary that turns unhealthy during the soak is removed while the old copy serves",
  ignore,
  fn: () =>
    withCanaryScene(async (s, net, names) => {
      const { name } = await deployV1(s, net, names);
      // Healthy from the first probe (1 s), until the file the probe wants goes away (6 s).
      const flaky = "mkdir -p /www; echo v2 > /www/index.html; touch /ok; " +
        "(sleep 6; rm /ok) & exec httpd -f -p 8080 -h /www";
      await s.commit(stackFiles(
        name,
        canaryCompose(net, "v2", { command: flaky, probe: "test -f /ok" }),
        { ...CANARY, canary_soak: "20s" },
      ));

      const r = await runWatchingOld(s, name);
      assert.equal(r.code, 1);
      const [line] = outcomeLines(r);
      assert.equal(line?.result, "rolled_back");
      assert.match(
        line?.message ?? "",
        /^turned unhealthy after \S+ of the 20.0s soak: web: unhealthy/,
      );
      assert.deepEqual(await copiesOf(name), { [name]: 1 });
      assert.equal(await askAlias(net), "v1");
      assert.ok((await s.bad())[name]);
    }),
});

Deno.test({
  name: "a canary whose pre_deploy fails starts no new copy while the old copy serves throughout",
  ignore,
  fn: () =>
    withCanaryScene(async (s, net, names) => {
      const { name, v1 } = await deployV1(s, net, names);
      const tree1 = await s.repo.tree(name);
      const v2 = await s.commit(stackFiles(name, canaryCompose(net, "v2"), {
        ...CANARY,
        pre_deploy: 'echo "migrating $AUTOSTACK_STACK"; sleep 1; echo "schema locked" >&2; exit 4',
      }));

      const r = await runWatchingOld(s, name);
      assert.equal(r.code, 1);
      const [line] = outcomeLines(r);
      assert.deepEqual([line?.result, line?.commit], ["script_error", v2.slice(0, 7)]);
      assert.equal(
        line?.message,
        "pre_deploy failed (exit code 4): schema locked; the old version kept serving; " +
          "version held back (bad clear or --force to try it again)",
      );
      assert.match(r.stderr, new RegExp(`autostack: stack "${name}": script_error: pre_deploy`));
      // No new copy was ever created: not even stopped containers of the second project.
      assert.deepEqual(await copiesOf(name), { [name]: 1 });
      assert.deepEqual(await containersOf(`${name}-canary`), []);
      assert.equal(await askAlias(net), "v1");
      // Held back like a bad version, so the next runs do not run the script again.
      assert.deepEqual(Object.keys(await s.bad()), [name]);
      assert.deepEqual(await s.version(name), [v1, `tree ${tree1}`]);
      const last = (await s.history()).at(-1);
      assert.deepEqual([last?.result, last?.method, last?.project], [
        "script_error",
        "canary",
        name,
      ]);
      assert.match(last?.output ?? "", new RegExp(`migrating ${name}`));
    }),
});

Deno.test({
  name: "a canary stack that publishes a host port is deployed with simple, saying why",
  ignore,
  fn: () =>
    withCanaryScene(async (s, net, names) => {
      const { name } = await deployV1(s, net, names);
      const port = 20_000 + Math.floor(Math.random() * 20_000);
      const extra = `    ports: ["127.0.0.1:${port}:8080"]\n`;
      const compose = canaryCompose(net, "v2", { extra });
      await s.commit(stackFiles(name, compose, CANARY));

      const r = await s.run();
      assert.equal(r.code, 0, r.stderr);
      const why = `service "web" publishes host port ${port}`;
      assert.match(
        outcomeLines(r)[0]?.message ?? "",
        new RegExp(`^healthy \\(canary: ${why}`),
      );
      assert.match(r.stderr, new RegExp(`^autostack: warning: stack "${name}": canary: ${why}`));
      assert.equal((await s.history()).at(-1)?.method, "simple");
      assert.deepEqual(await copiesOf(name), { [name]: 1 });
      assert.equal(await askAlias(net), "v2");
    }),
});

for (const step of ["canary_soak", "canary_after_switch", "canary_drain"]) {
  Deno.test({
    name: `a run killed at ${step} converges on the next run with one copy left`,
    ignore,
    fn: () =>
      withCanaryScene(async (s, net, names) => {
        const { name } = await deployV1(s, net, names);
        const v2 = await s.commit(stackFiles(name, canaryCompose(net, "v2"), CANARY));
        const killed = await s.run([], { AUTOSTACK_TEST_KILL_AT: `${step}:${name}` });
        assert.equal(killed.code, 137, killed.stderr);
        assert.equal(Object.keys(await copiesOf(name)).length, 2, "both copies were up");

        const r = await s.run();
        assert.equal(r.code, 0, r.stderr);
        const [line] = outcomeLines(r);
        assert.deepEqual([line?.result, line?.commit], ["deployed", v2.slice(0, 7)]);
        const copies = await copiesOf(name);
        assert.equal(Object.keys(copies).length, 1, JSON.stringify(copies));
        assert.equal(Object.values(copies)[0], 1);
        assert.equal(await askAlias(net), "v2");
        const version = await s.version(name);
        assert.deepEqual(version.slice(0, 1), [v2]);
        assert.equal(version[2], `project ${Object.keys(copies)[0]}`);

        const quiet = await s.run();
        assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, "", ""]);
      }),
  });
}

Deno.test({
  name: "rollback NAME of a canary stack brings the good version back beside the live one",
  ignore,
  fn: () =>
    withCanaryScene(async (s, net, names) => {
      const { name } = await deployV1(s, net, names);
      const tree1 = await s.repo.tree(name);
      await s.commit(stackFiles(name, canaryCompose(net, "v2"), CANARY));
      const tree2 = await s.repo.tree(name);
      assert.equal((await s.run()).code, 0);
      assert.deepEqual(await copiesOf(name), { [`${name}-canary`]: 1 });

      const r = await s.ws.run(["rollback", name]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await copiesOf(name), { [name]: 1 });
      assert.equal(await askAlias(net), "v1");
      const [, tree, project] = await s.version(name);
      assert.deepEqual([tree, project], [`tree ${tree1}`, `project ${name}`]);
      assert.equal((await s.bad())[name]?.tree, tree2);
      const last = (await s.history()).at(-1);
      assert.deepEqual([last?.result, last?.method, last?.project], [
        "rolled_back",
        "canary",
        name,
      ]);
    }),
});

Deno.test({
  name: "prune takes down a stack live under its second project name, folders and all",
  ignore,
  fn: () =>
    withCanaryScene(async (s, net, names) => {
      const { name } = await deployV1(s, net, names);
      await s.commit(stackFiles(name, canaryCompose(net, "v2"), CANARY));
      assert.equal((await s.run()).code, 0);
      assert.deepEqual(await copiesOf(name), { [`${name}-canary`]: 1 });
      await s.ws.writeConfig({ repo: s.repo.url, base_dir: "base", prune: true });
      await s.commit(stackFiles(name, canaryCompose(net, "v2"), { ...CANARY, deploy: false }));

      const r = await s.run();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(outcomeLines(r).map((l) => l.result), ["removed"]);
      assert.deepEqual(await copiesOf(name), {});
      for (const folder of ["running_stacks", "canary_stacks"]) {
        await assert.rejects(() => Deno.stat(join(s.ws.base, folder, name)), Deno.errors.NotFound);
      }
      assert.equal((await s.history()).at(-1)?.project, `${name}-canary`);
    }),
});
