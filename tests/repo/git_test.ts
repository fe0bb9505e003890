import { fakeRunner } from "../_fakes.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { GitError } from "../../lib/errors.ts";
import { deployRefspec, parseLsTree, plainOriginUrl, Repo, syncRepo } from "../../lib/repo/mod.ts";
import { daxRunner } from "../../lib/process.ts";
import { StacksRepo } from "../e2e/_harness.ts";

async function withRepo(fn: (remote: StacksRepo, dir: string) => Promise<void>) {
  const remote = await StacksRepo.create({
    "stacks/web/compose.yaml": "services: {}\n",
    "README.md": "hi\n",
  });
  const base = await Deno.makeTempDir();
  try {
    await fn(remote, join(base, "repo"));
  } finally {
    await remote.cleanup();
    await Deno.remove(base, { recursive: true });
  }
}

const sync = (dir: string, url: string, branch?: string, log: string[] = []) =>
  syncRepo({ runner: daxRunner, dir, url, branch, log: (m) => log.push(m) });

Deno.test("parseLsTree() reads NUL-separated entries with odd file names", () => {
  const out = ["040000 tree aaa\tstacks", "100644 blob bbb\tstacks/a b\tc.yaml", ""].join("\0");
  assert.deepEqual(parseLsTree(out), [
    { mode: "040000", type: "tree", hash: "aaa", path: "stacks" },
    { mode: "100644", type: "blob", hash: "bbb", path: "stacks/a b\tc.yaml" },
  ]);
});

Deno.test("deployRefspec() fetches the branch, or the remote's HEAD when none is set", () => {
  assert.equal(deployRefspec("prod"), "+refs/heads/prod:refs/autostack/deploy");
  assert.equal(deployRefspec(undefined), "+HEAD:refs/autostack/deploy");
});

Deno.test("syncRepo() clones, then follows new commits and force pushes", async () => {
  await withRepo(async (remote, dir) => {
    const first = await sync(dir, remote.url);
    assert.equal(first.head.commit, await remote.commit({}, "noop").then(() => first.head.commit));
    const second = await remote.commit({ "stacks/web/.env": "A=1\n" });
    const after = await sync(dir, remote.url);
    assert.equal(after.head.commit, second);
    assert.equal(await Deno.readTextFile(join(dir, "stacks/web/.env")), "A=1\n");
  });
});

Deno.test("syncRepo() returns every folder and file of the commit with their hashes", async () => {
  await withRepo(async (remote, dir) => {
    const { entries } = await sync(dir, remote.url);
    assert.deepEqual(entries.map((e) => [e.type, e.path]), [
      ["blob", "README.md"],
      ["tree", "stacks"],
      ["tree", "stacks/web"],
      ["blob", "stacks/web/compose.yaml"],
    ]);
    const web = entries.find((e) => e.path === "stacks/web");
    assert.equal(web?.hash, await remote.tree("stacks/web"));
  });
});

Deno.test('plainOriginUrl() reads the one plain url of [remote "origin"], else leaves it to git', () => {
  const config = (origin: string, more = "") =>
    `[core]\n\tbare = false\n[remote "origin"]\n${origin}\tfetch = +refs/heads/*:refs/remotes/origin/*\n${more}`;
  assert.equal(plainOriginUrl(config("\turl = /srv/stacks.git\n")), "/srv/stacks.git");
  assert.equal(plainOriginUrl(config("\tURL=https://h/x.git  \n")), "https://h/x.git");
  assert.equal(plainOriginUrl(config("")), undefined);
  // Quoting, escapes, comments, two urls, an include: git decides.
  assert.equal(plainOriginUrl(config('\turl = "/srv/a b.git"\n')), undefined);
  assert.equal(plainOriginUrl(config("\turl = /srv/x.git ; old\n")), undefined);
  assert.equal(plainOriginUrl(config("\turl = /a\n\turl = /b\n")), undefined);
  assert.equal(plainOriginUrl(config("\turl = /a\n", "[include]\n\tpath = other\n")), undefined);
  // Another remote's url, or one of "Origin", is not origin's.
  assert.equal(plainOriginUrl('[remote "Origin"]\n\turl = /a\n'), undefined);
  assert.equal(plainOriginUrl('[remote "up"]\n\turl = /a\n[remote "origin"]\n\turl = /b\n'), "/b");
});

Deno.test("Repo.originUrl() agrees with git config, without a process for a clone's plain config", async () => {
  await withRepo(async (remote, dir) => {
    await sync(dir, remote.url);
    const runner = fakeRunner(() => ({ code: 1 }));
    assert.equal(await new Repo(runner, dir).originUrl(), remote.url);
    assert.equal(runner.calls.length, 0);
    assert.equal(await new Repo(daxRunner, join(dir, "nope")).originUrl(), undefined);
  });
});

Deno.test("syncRepo() removes files a script left in the clone", async () => {
  await withRepo(async (remote, dir) => {
    await sync(dir, remote.url);
    await Deno.writeTextFile(join(dir, "stacks/web/junk"), "x");
    await sync(dir, remote.url);
    await assert.rejects(Deno.stat(join(dir, "stacks/web/junk")), Deno.errors.NotFound);
  });
});

Deno.test("syncRepo() deploys the named branch and reports a missing one", async () => {
  await withRepo(async (remote, dir) => {
    await remote.commit({});
    const { git } = await import("../e2e/_harness.ts");
    await git(remote.work, "checkout", "-q", "-b", "prod");
    const prod = await remote.commit({ "stacks/web/.env": "P=1\n" });
    await git(remote.work, "checkout", "-q", "main");
    const synced = await sync(dir, remote.url, "prod");
    assert.equal(synced.head.commit, prod);
    await assert.rejects(sync(dir, remote.url, "nope"), /branch "nope" does not exist/);
  });
});

Deno.test("syncRepo() clones again when the repo URL changes", async () => {
  await withRepo(async (remote, dir) => {
    await sync(dir, remote.url);
    const other = await StacksRepo.create({ "x/compose.yaml": "services: {}\n" });
    try {
      const log: string[] = [];
      const synced = await sync(dir, other.url, undefined, log);
      assert.equal(synced.head.commit, await other.commit({}).then(() => synced.head.commit));
      assert.match(log.join("\n"), /cloning again/);
      await Deno.stat(join(dir, "x/compose.yaml"));
    } finally {
      await other.cleanup();
    }
  });
});

Deno.test("syncRepo() never shows a token from the repo URL", async () => {
  const runner = fakeRunner((cmd) =>
    cmd.includes("clone")
      ? { code: 128, stderr: "fatal: unable to access 'https://me:s3cret@git.example/x.git/'" }
      : { code: 1 }
  );
  const base = await Deno.makeTempDir();
  try {
    const error = await syncRepo({
      runner,
      dir: join(base, "repo"),
      url: "https://me:s3cret@git.example/x.git",
      branch: undefined,
      log: () => {},
    }).catch((e) => e);
    assert.ok(error instanceof GitError);
    assert.ok(!error.message.includes("s3cret"), error.message);
    assert.match(error.message, /me:\*\*\*@/);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("Repo.changedFiles() lists files changed in a stack's tree", async () => {
  await withRepo(async (remote, dir) => {
    const before = await remote.tree("stacks/web");
    await remote.commit({ "stacks/web/.env": "A=1\n", "README.md": "changed\n" });
    const after = await remote.tree("stacks/web");
    const { repo } = await sync(dir, remote.url);
    assert.deepEqual(await repo.changedFiles(before, after), [".env"]);
    assert.equal(await repo.changedFiles("0".repeat(40), after), undefined);
  });
});

Deno.test("Repo.git() quotes git's last lines without blank ones", async () => {
  const runner = fakeRunner(() => ({
    code: 128,
    stderr:
      "fatal: 'x' does not appear to be a git repository\n\nPlease make sure you have access\n",
  }));
  const { Repo } = await import("../../lib/repo/mod.ts");
  const error = await new Repo(runner, "/nowhere").git(["fetch"]).catch((e) => e);
  assert.equal(
    error.message,
    "git fetch: fatal: 'x' does not appear to be a git repository | Please make sure you have access",
  );
});

Deno.test("Repo.git() never lets git prompt, keeping the operator's GIT_ASKPASS", async () => {
  const { Repo } = await import("../../lib/repo/mod.ts");
  const runner = fakeRunner(() => ({}));
  await new Repo(runner, "/clone").git(["fetch"]);
  await new Repo(runner, "/clone", "/usr/local/bin/vault-askpass").git(["fetch"]);
  assert.deepEqual(runner.calls.map((c) => c.options.env), [
    { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "true" },
    { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/usr/local/bin/vault-askpass" },
  ]);
});
