import { fakeRunner } from "../_fakes.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { GitError } from "../../lib/errors.ts";
import {
  copyStack,
  deployRefspec,
  discoverStacks,
  gitSaid,
  listCheckout,
  LOCAL_TIMEOUT_MS,
  parseLsTree,
  plainOriginUrl,
  readForDiscovery,
  REMOTE_TIMEOUT_MS,
  remoteCommand,
  Repo,
  syncRepo,
} from "../../lib/repo/mod.ts";
import { listFiles } from "../../lib/fsutil.ts";
import { daxRunner, type RunOptions } from "../../lib/process.ts";
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

// ---- time limits, file stack trees, copies, checkouts (issues 17 and 18) --

Deno.test("Repo.git() bounds clone and fetch under `timeout`, every other call through the runner", async () => {
  const runner = fakeRunner(() => ({}));
  const repo = new Repo(runner, "/clone", "true", { remoteMs: 2_000, remote: "https://h/x.git" });
  await repo.clone("https://h/x.git");
  await repo.fetch("main");
  await repo.git(["rev-parse", "HEAD"]);
  const [clone, fetch, local] = runner.calls;
  assert.deepEqual(clone?.cmd.slice(0, 4), ["timeout", "--kill-after=5s", "2s", "git"]);
  assert.deepEqual(fetch?.cmd.slice(0, 7), [
    "timeout",
    "--kill-after=5s",
    "2s",
    "git",
    "-C",
    "/clone",
    "fetch",
  ]);
  assert.equal(clone?.options.timeoutMs, 12_000);
  assert.equal(local?.cmd[0], "git");
  assert.equal(local?.options.timeoutMs, LOCAL_TIMEOUT_MS);
  assert.deepEqual(remoteCommand(["fetch"], REMOTE_TIMEOUT_MS).slice(0, 3), [
    "timeout",
    "--kill-after=5s",
    "300s",
  ]);
});

Deno.test("Repo.git() turns a time-out into one line naming the remote, redacted", async () => {
  const runner = fakeRunner((cmd) => cmd[0] === "timeout" ? { code: 124 } : { code: 124 });
  const url = "https://me:s3cret@git.example/x.git";
  const repo = new Repo(runner, "/clone", "true", { remote: url });
  const fetch = await repo.fetch(undefined).catch((e) => e);
  assert.ok(fetch instanceof GitError);
  assert.equal(
    fetch.message,
    "git fetch: timed out after 5m00s talking to https://me:***@git.example/x.git " +
      "(AUTOSTACK_GIT_TIMEOUT sets the limit)",
  );
  const local = await repo.git(["checkout", "x"]).catch((e) => e);
  assert.equal(local.message, "git checkout: timed out after 1m00s");
  const killed = fakeRunner(() => ({ code: 137 }));
  const clone = await new Repo(killed, "/c").clone("/srv/x.git").catch((e) => e);
  assert.match(clone.message, /^git clone: timed out after 5m00s talking to \/srv\/x\.git/);
});

Deno.test("syncRepo() gives up on a remote that accepts and never answers", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })().catch(() => {});
  const base = await Deno.makeTempDir();
  try {
    const { port } = listener.addr as Deno.NetAddr;
    for (const url of [`git://127.0.0.1:${port}/x.git`, `http://127.0.0.1:${port}/x.git`]) {
      const error = await syncRepo({
        runner: daxRunner,
        dir: join(base, "repo"),
        url,
        branch: undefined,
        log: () => {},
        remoteTimeoutMs: 1_000,
      }).catch((e) => e);
      assert.ok(error instanceof GitError, String(error));
      assert.equal(
        error.message,
        `git clone: timed out after 1.0s talking to ${url} (AUTOSTACK_GIT_TIMEOUT sets the limit)`,
      );
    }
  } finally {
    listener.close();
    for (const conn of held) conn.close();
    await accepting;
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("Repo.storeTrees() writes a file stack's tree with the hash discovery gave it", async () => {
  await withRepo(async (remote, dir) => {
    await remote.commit({
      "infra/caddy-compose.yaml": "services:\n  c:\n    volumes: [./caddy/Caddyfile:/c:ro]\n",
      "infra/caddy/Caddyfile": ":80\n",
      "infra/caddy-deploy.yaml": "method: blind\n",
      "infra/other-compose.yaml": "services: {}\n",
    });
    const { repo, head, entries } = await sync(dir, remote.url);
    const found = discoverStacks(entries, ["infra"], head.tree, "r", {
      ...await readForDiscovery(dir, entries),
    });
    const caddy = found.stacks.find((s) => s.name === "caddy")!;
    await repo.storeTrees(found.trees);
    assert.deepEqual(await repo.filesOf(caddy.tree), [
      "caddy/Caddyfile",
      "compose.yaml",
      "deploy.yaml",
    ]);
    await remote.commit({
      "infra/caddy/Caddyfile": ":8080\n",
      "infra/other-compose.yaml": "x: 1\n",
    });
    const next = await sync(dir, remote.url);
    const again = discoverStacks(next.entries, ["infra"], next.head.tree, "r", {
      ...await readForDiscovery(dir, next.entries),
    });
    await next.repo.storeTrees(again.trees);
    const changed = again.stacks.find((s) => s.name === "caddy")!;
    assert.deepEqual(await next.repo.changedFiles(caddy.tree, changed.tree), ["caddy/Caddyfile"]);
    const copy = join(dir, "..", "copy");
    await copyStack(dir, changed, copy);
    assert.deepEqual(await listFiles(copy), ["caddy/Caddyfile", "compose.yaml", "deploy.yaml"]);
    assert.equal(await Deno.readTextFile(join(copy, "deploy.yaml")), "method: blind\n");
  });
});

Deno.test("Repo.filesOf() reads the synced commit's folders from its listing, as git lists them, and asks git for other trees", async () => {
  await withRepo(async (remote, dir) => {
    await remote.commit({ "apps/web/compose.yaml": "a\n", "apps/web/conf/x.conf": "1\n" });
    const old = await sync(dir, remote.url);
    const oldWeb = old.entries.find((e) => e.path === "apps/web")!.hash;
    await remote.commit({
      "apps/web/conf/x.conf": "2\n",
      "apps/web/conf/deep/y.conf": "3\n",
      "apps/db/compose.yaml": "b\n",
      "README.md": "r\n",
    });
    const calls: string[][] = [];
    const counting = {
      run: (cmd: readonly string[], o?: RunOptions) => {
        calls.push([...cmd]);
        return daxRunner.run(cmd, o);
      },
    };
    const { repo, head, entries } = await syncRepo({
      runner: counting,
      dir,
      url: remote.url,
      branch: undefined,
      log: () => {},
    });
    const byGit = async (tree: string) =>
      (await new Repo(daxRunner, dir).git(["ls-tree", "-r", "-z", "--name-only", tree]))
        .split("\0").filter((p) => p !== "");
    const synced = calls.length;
    const folders = [
      head.tree,
      ...["apps", "apps/web", "apps/web/conf"].map((path) =>
        entries.find((e) => e.path === path)!.hash
      ),
    ];
    for (const tree of folders) assert.deepEqual(await repo.filesOf(tree), await byGit(tree));
    assert.deepEqual(await repo.filesOf(folders[2]!), [
      "compose.yaml",
      "conf/deep/y.conf",
      "conf/x.conf",
    ]);
    assert.equal(calls.length, synced, "no git call for the synced commit's trees");
    assert.deepEqual(await repo.filesOf(oldWeb), ["compose.yaml", "conf/x.conf"]);
    assert.equal(calls.length, synced + 1, "one ls-tree for a tree of another commit");
  });
});

Deno.test("Repo.storeTrees() refuses a tree git hashes otherwise", async () => {
  const runner = fakeRunner(() => ({ stdout: "b".repeat(40) + "\n" }));
  const error = await new Repo(runner, "/c").storeTrees([{ records: [], hash: "a".repeat(40) }])
    .catch((e) => e);
  assert.match(error.message, /^git mktree: tree a{40} came out as b{40}$/);
  assert.equal(runner.calls[0]?.options.stdin, "\0");
});

Deno.test("listCheckout() lists a checkout as git would, links as links, without .git", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(root, ".git"));
    await Deno.writeTextFile(join(root, ".git", "HEAD"), "x");
    await Deno.mkdir(join(root, "infra", "conf"), { recursive: true });
    await Deno.writeTextFile(join(root, "infra", "a-compose.yaml"), "services: {}\n");
    await Deno.writeTextFile(join(root, "infra", "conf", "x.yaml"), "x: 1\n");
    await Deno.symlink("/etc/hostname", join(root, "infra", "link.yaml"));
    const entries = await listCheckout(root);
    assert.deepEqual(entries, [
      { path: "infra", type: "tree" },
      { path: "infra/a-compose.yaml", type: "blob", mode: "100644" },
      { path: "infra/conf", type: "tree" },
      { path: "infra/conf/x.yaml", type: "blob", mode: "100644" },
      { path: "infra/link.yaml", type: "blob", mode: "120000" },
    ]);
    const read = await readForDiscovery(root, entries);
    assert.deepEqual([...read.texts.keys()].sort(), ["infra/a-compose.yaml", "infra/conf/x.yaml"]);
    assert.deepEqual([...read.links], [["infra/link.yaml", "/etc/hostname"]]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("gitSaid() keeps the line that names the cause ahead of git's closing advice", () => {
  const ssh = [
    "ssh: connect to host git.example.com port 22: Connection refused",
    "fatal: Could not read from remote repository.",
    "",
    "Please make sure you have the correct access rights",
    "and the repository exists.",
  ].join("\n");
  assert.equal(
    gitSaid(ssh),
    "ssh: connect to host git.example.com port 22: Connection refused | " +
      "fatal: Could not read from remote repository. | " +
      "Please make sure you have the correct access rights | and the repository exists.",
  );
  // Short output is quoted whole, once.
  assert.equal(gitSaid("fatal: bad object HEAD\n"), "fatal: bad object HEAD");
});

Deno.test("syncRepo() says it is underway once the clean has ended, while the fetch goes on", async () => {
  await withRepo(async (remote, dir) => {
    await sync(dir, remote.url);
    const commit = await remote.commit({ "apps/web/compose.yaml": "a\n" });
    const events: string[] = [];
    let underway!: () => void;
    const told = new Promise<void>((resolve) => underway = resolve);
    const watching = {
      run: async (cmd: readonly string[], o?: RunOptions) => {
        const step = cmd.find((a) => a === "clean" || a === "fetch");
        const result = await daxRunner.run(cmd, o);
        // The fetch ends only once the start has been told (or 5 s later, failing below).
        if (step === "fetch") {
          await Promise.race([told, new Promise((resolve) => setTimeout(resolve, 5000))]);
        }
        if (step !== undefined) events.push(`${step} ended`);
        return result;
      },
    };
    const { head } = await syncRepo({
      runner: watching,
      dir,
      url: remote.url,
      branch: undefined,
      log: () => {},
      underway: () => {
        events.push("underway");
        underway();
      },
    });
    assert.deepEqual(events, ["clean ended", "underway", "fetch ended"]);
    assert.equal(head.commit, commit);
  });
});
