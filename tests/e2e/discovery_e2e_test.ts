/**
 * End-to-end tests of discovery (docs/how-it-works.md#discovery) with the CLI
 * against real git and Docker: nested stacks named by path where names clash,
 * several `NAME-compose.yaml` stacks in one folder deployed, changed and
 * pruned one by one, every skip said, symbolic links refused, and a remote
 * that never answers given up on in time with the lock released.
 * @module
 */
import { ValidateJsonSchema } from "../../lib/validate/mod.ts";
import assert from "node:assert/strict";
import { PlanJsonSchema } from "../../mod.ts";
import { join } from "node:path";
import YAML from "yaml";
import { downProject, SKIP_DOCKER } from "./_docker.ts";
import { cli, webCompose } from "./_harness.ts";
import { containersOf, outcomeLines, type Scene, withScene } from "./_scene.ts";

const ignore = SKIP_DOCKER;
const FAST = YAML.stringify({ health_timeout: "3s" });

/** Runs `fn`, then takes down `projects` (names a scene did not hand out itself). */
async function downAfter(projects: string[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } finally {
    for (const project of projects) await downProject(project).catch(() => {});
  }
}

/** `validate --config --json` on the scene's work tree: the names of the stacks it finds. */
async function validatedNames(s: Scene): Promise<string[]> {
  const r = await cli(["validate", s.repo.work, "--config", s.ws.config, "--json"]);
  const report = ValidateJsonSchema.parse(JSON.parse(r.stdout));
  return report.stacks.map((s) => s.stack).sort();
}

Deno.test({
  name: "run deploys nested stacks, naming clashing ones by path, as validate finds them",
  ignore,
  fn: () =>
    withScene({ folders: ["stacks/platform", "stacks/application"] }, async (s) => {
      const auth = s.name("auth");
      const mon = s.name("mon");
      const platform = `platform-${mon}`;
      const application = `application-${mon}`;
      await downAfter([platform, application], async () => {
        await s.commit({
          [`stacks/platform/sso/${auth}/compose.yaml`]: webCompose(),
          [`stacks/platform/sso/${auth}/deploy.yaml`]: FAST,
          [`stacks/platform/${mon}/compose.yaml`]: webCompose(),
          [`stacks/platform/${mon}/deploy.yaml`]: FAST,
          [`stacks/application/${mon}/compose.yaml`]: webCompose(),
          [`stacks/application/${mon}/deploy.yaml`]: FAST,
        });

        // Without nested: the deeper stack is skipped with the hint, the clash refused.
        const flat = await s.run(["--dry-run"], { AUTOSTACK_LOG: "info" });
        assert.equal(flat.code, 1, flat.stderr);
        assert.match(
          flat.stderr,
          new RegExp(
            `autostack: stacks/platform/sso/${auth}/compose.yaml: deeper than a stack folder ` +
              "\\(set nested: true\\)",
          ),
        );
        assert.match(flat.stderr, new RegExp(`stack "${mon}": folders .* both refused`));
        const flatNames = await validatedNames(s);
        assert.deepEqual(flatNames, [mon, mon]);

        await s.ws.writeConfig({
          repo: s.repo.url,
          base_dir: "base",
          folders: ["stacks/platform", "stacks/application"],
          nested: true,
        });
        const r = await s.run();
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(
          outcomeLines(r).map((o) => [o.stack, o.result]).sort(),
          [[application, "deployed"], [auth, "deployed"], [platform, "deployed"]].sort(),
        );
        assert.deepEqual(await validatedNames(s), [application, auth, platform].sort());

        // A change in one nested stack redeploys that one only.
        await s.commit({
          [`stacks/application/${mon}/compose.yaml`]: webCompose({ extra: "    labels: [v=2]\n" }),
        });
        const again = await s.run();
        assert.equal(again.code, 0, again.stderr);
        assert.deepEqual(outcomeLines(again).map((o) => [o.stack, o.result]), [
          [application, "deployed"],
        ]);
      });
    }),
});

Deno.test({
  name:
    "run deploys each NAME-compose.yaml of a folder on its own, redeploys only the one changed, prunes a removed one",
  ignore,
  fn: () =>
    withScene({ folders: ["infra"], prune: true }, async (s) => {
      const a = s.name("a");
      const b = s.name("b");
      const withConf = webCompose({ extra: `    volumes: ["./${a}/conf.txt:/conf.txt:ro"]\n` });
      await s.commit({
        [`infra/${a}-compose.yaml`]: withConf,
        [`infra/${a}-deploy.yaml`]: FAST,
        [`infra/${a}/conf.txt`]: "one\n",
        [`infra/${b}.compose.yml`]: webCompose(),
        [`infra/${b}-deploy.yaml`]: FAST,
        "infra/tunnel-config.yaml": "tunnel: x\n",
      });

      const dry = await s.run(["--dry-run"], { AUTOSTACK_LOG: "info" });
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stderr, /^autostack: infra\/tunnel-config\.yaml: not a compose file$/m);

      const first = await s.run();
      assert.equal(first.code, 0, first.stderr);
      // Stacks come in name order, and the names end in random letters: compare as sets.
      assert.deepEqual(
        outcomeLines(first).map((o) => [o.stack, o.result]).sort(),
        [
          [a, "deployed"],
          [b, "deployed"],
        ].sort(),
      );
      // Each copy holds its own files only, laid out as any stack's.
      const running = (name: string, file: string) =>
        Deno.readTextFile(join(s.ws.base, "running_stacks", name, file));
      assert.equal(await running(a, "compose.yaml"), withConf);
      assert.equal(await running(a, "deploy.yaml"), FAST);
      assert.equal(await running(a, `${a}/conf.txt`), "one\n");
      assert.equal(await running(b, "compose.yaml"), webCompose());
      await assert.rejects(running(b, `${a}/conf.txt`), Deno.errors.NotFound);
      await assert.rejects(running(b, "tunnel-config.yaml"), Deno.errors.NotFound);

      // A change to a's files redeploys a only; b is left alone.
      await s.commit({ [`infra/${a}/conf.txt`]: "two\n", "infra/tunnel-config.yaml": "y: 1\n" });
      const dryChange = await s.run(["--dry-run", "--json"]);
      const plan = PlanJsonSchema.parse(JSON.parse(dryChange.stdout));
      const planned = plan.stacks.map((p) => [p.stack, p.status]);
      assert.deepEqual(planned.sort(), [[a, "changed"], [b, "unchanged"]].sort());
      assert.deepEqual(plan.stacks.find((p) => p.stack === a)?.files, [`${a}/conf.txt`]);
      const second = await s.run();
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(outcomeLines(second).map((o) => [o.stack, o.result]), [[a, "deployed"]]);
      assert.equal(await running(a, `${a}/conf.txt`), "two\n");
      assert.equal((await s.history()).filter((h) => h.stack === b).length, 1);

      // b leaves the repo: with prune it is taken down, a stays.
      await s.commit({ [`infra/${b}.compose.yml`]: null, [`infra/${b}-deploy.yaml`]: null });
      const third = await s.run();
      assert.equal(third.code, 0, third.stderr);
      assert.deepEqual(outcomeLines(third).map((o) => [o.stack, o.result]), [[b, "removed"]]);
      assert.deepEqual(await containersOf(b), []);
      assert.equal((await containersOf(a)).length, 1);
    }),
});

Deno.test({
  name:
    "run refuses a stack whose compose file is a symbolic link, naming the link, and deploys the others",
  ignore,
  fn: () =>
    withScene({}, async (s) => {
      const good = s.name("ok");
      const linked = s.name("ln");
      const leaky = s.name("lk");
      await Deno.mkdir(join(s.repo.work, linked), { recursive: true });
      await Deno.mkdir(join(s.repo.work, leaky), { recursive: true });
      await Deno.symlink(`../${good}/compose.yaml`, join(s.repo.work, linked, "compose.yaml"));
      await Deno.symlink("/etc/hostname", join(s.repo.work, leaky, "host"));
      await s.commit({
        [`${good}/compose.yaml`]: webCompose(),
        [`${good}/deploy.yaml`]: FAST,
        [`${leaky}/compose.yaml`]: webCompose(),
      });
      const r = await s.run();
      assert.equal(r.code, 1, r.stderr);
      assert.deepEqual(outcomeLines(r).map((o) => [o.stack, o.result]), [[good, "deployed"]]);
      const lines = r.stderr.trim().split("\n").sort();
      assert.deepEqual(
        lines,
        [
          `autostack: stack "${leaky}": ${leaky}/host is a symbolic link that leads outside the ` +
          "stack folder; refused",
          `autostack: stack "${linked}": ${linked}/compose.yaml is a symbolic link (compose and ` +
          "deploy files must be plain files); refused",
        ].sort(),
      );
      const hostname = (await Deno.readTextFile("/etc/hostname").catch(() => "")).trim();
      if (hostname !== "") assert.ok(!r.stderr.includes(hostname), "the target is never read");
      assert.deepEqual(await containersOf(linked), []);
      assert.deepEqual(await containersOf(leaky), []);
    }),
});

Deno.test("run gives up on a remote that accepts and never answers, and releases the lock", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })().catch(() => {});
  const dir = await Deno.makeTempDir({ prefix: "autostack-ws-" });
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const url = `git://127.0.0.1:${port}/stacks.git`;
    const config = join(dir, "autostack.yaml");
    await Deno.writeTextFile(config, YAML.stringify({ repo: url, base_dir: "base" }));
    const r = await cli(["run", "--config", config], {
      cwd: dir,
      env: { AUTOSTACK_GIT_TIMEOUT: "1s" },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^autostack: git clone: timed out after 1\\.0s talking to ${url} ` +
          "\\(AUTOSTACK_GIT_TIMEOUT sets the limit\\)$",
        "m",
      ),
    );
    await assert.rejects(Deno.stat(join(dir, "base", "autostack.lock")), Deno.errors.NotFound);
  } finally {
    listener.close();
    for (const conn of held) conn.close();
    await accepting;
    await Deno.remove(dir, { recursive: true });
  }
});
