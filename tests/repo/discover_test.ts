import assert from "node:assert/strict";
import { posix } from "node:path";
import { discoverStacks, filesToRead, repoName, type TreeEntry } from "../../lib/repo/mod.ts";
import { deployFilesFor, fileStackName, normalizeName } from "../../lib/names.ts";

/** Builds a tree listing from paths: folders end in "/". */
function listing(...paths: string[]): TreeEntry[] {
  return paths.map((p) =>
    p.endsWith("/")
      ? { type: "tree", mode: "040000", hash: `t:${p.slice(0, -1)}`, path: p.slice(0, -1) }
      : { type: "blob", mode: "100644", hash: `b:${p}`, path: p }
  );
}

const REPO = listing(
  "stacks/",
  "stacks/web/",
  "stacks/web/compose.yaml",
  "stacks/web/.env",
  "stacks/db/",
  "stacks/db/docker-compose.yml",
  "stacks/notes/",
  "stacks/notes/README.md",
  "stacks/.hidden/",
  "stacks/.hidden/compose.yaml",
  "stacks/web/sub/",
  "stacks/web/sub/compose.yaml",
  "README.md",
);

Deno.test("discoverStacks() finds the immediate subfolders holding a compose file", () => {
  const { stacks, errors } = discoverStacks(REPO, ["stacks"], "root", "repo");
  assert.deepEqual(errors, []);
  assert.deepEqual(stacks.map((s) => [s.name, s.path, s.composeFile, s.tree]), [
    ["db", "stacks/db", "docker-compose.yml", "t:stacks/db"],
    ["web", "stacks/web", "compose.yaml", "t:stacks/web"],
  ]);
});

Deno.test("discoverStacks() ignores hidden folders and nested stacks", () => {
  const { stacks } = discoverStacks(REPO, ["stacks"], "root", "repo");
  assert.ok(!stacks.some((s) => s.path.includes(".hidden") || s.path.endsWith("sub")));
});

Deno.test("discoverStacks() takes compose file names in the spec's order", () => {
  const entries = listing("a/", "a/docker-compose.yml", "a/compose.yml", "a/docker-compose.yaml");
  const { stacks } = discoverStacks(entries, ["."], "root", "repo");
  assert.equal(stacks[0]?.composeFile, "compose.yml");
});

Deno.test("discoverStacks() treats a watched folder with a compose file as a stack", () => {
  const entries = listing("compose.yaml", "stacks/", "stacks/app/", "stacks/app/compose.yaml");
  const { stacks } = discoverStacks(entries, ["."], "roottree", "My.Stacks");
  assert.deepEqual(stacks.map((s) => [s.name, s.path, s.tree]), [["mystacks", ".", "roottree"]]);
  const direct = discoverStacks(entries, ["stacks/app"], "roottree", "x");
  assert.deepEqual(direct.stacks.map((s) => s.name), ["app"]);
});

Deno.test("discoverStacks() reports a watched folder that does not exist", () => {
  const { errors } = discoverStacks(REPO, ["stacks", "apps/"], "root", "repo");
  assert.deepEqual(errors, ['watched folder "apps/" does not exist in the repo']);
});

Deno.test("discoverStacks() refuses both stacks whose names normalise alike", () => {
  const entries = listing(
    "a/",
    "a/Web/",
    "a/Web/compose.yaml",
    "b/",
    "b/web/",
    "b/web/compose.yaml",
    "b/ok/",
    "b/ok/compose.yaml",
  );
  const { stacks, errors } = discoverStacks(entries, ["a", "b"], "root", "repo");
  assert.deepEqual(stacks.map((s) => s.name), ["ok"]);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /"web".*"a\/Web" and "b\/web"/);
});

Deno.test("discoverStacks() accepts ./ and trailing slashes in folder names", () => {
  const { stacks } = discoverStacks(REPO, ["./stacks/"], "root", "repo");
  assert.equal(stacks.length, 2);
});

Deno.test("normalizeName() follows compose's project name rules", () => {
  assert.equal(normalizeName("My App.v2"), "myappv2");
  assert.equal(normalizeName("_-web_1"), "web_1");
  assert.equal(normalizeName("..."), "");
});

Deno.test("repoName() names a repo from its URL or path", () => {
  assert.equal(repoName("git@github.com:me/stacks.git"), "stacks");
  assert.equal(repoName("https://host/me/home-lab/"), "home-lab");
  assert.equal(repoName("/srv/git/ops.git"), "ops");
});

// ---- nested stacks, file stacks, skips, links (issue 18) ------------------

const HOMELAB = listing(
  "stacks/",
  "stacks/infrastructure/",
  "stacks/infrastructure/caddy-compose.yaml",
  "stacks/infrastructure/komodo-compose.yaml",
  "stacks/infrastructure/step-ca-compose.yaml",
  "stacks/infrastructure/cloudflared-config.yaml",
  "stacks/platform/",
  "stacks/platform/auth/",
  "stacks/platform/auth/authentik/",
  "stacks/platform/auth/authentik/compose.yaml",
  "stacks/platform/monitoring/",
  "stacks/platform/monitoring/compose.yaml",
  "stacks/application/",
  "stacks/application/monitoring/",
  "stacks/application/monitoring/compose.yaml",
  "stacks/application/media/",
  "stacks/application/media/core/",
  "stacks/application/media/core/compose.yaml",
  "stacks/application/media/core/test/",
  "stacks/application/media/core/test/compose.yaml",
  "stacks/platform/db/",
  "stacks/platform/db/core/",
  "stacks/platform/db/core/compose.yaml",
);
const WATCHED = ["stacks/infrastructure", "stacks/platform", "stacks/application"];

Deno.test("discoverStacks() with nested finds stacks at any depth and names clashes by path", () => {
  const { stacks, errors, skipped } = discoverStacks(HOMELAB, WATCHED, "root", "repo", {
    nested: true,
  });
  assert.deepEqual(errors, []);
  assert.deepEqual(stacks.map((s) => [s.name, s.path]), [
    ["application-media-core", "stacks/application/media/core"],
    ["application-monitoring", "stacks/application/monitoring"],
    ["authentik", "stacks/platform/auth/authentik"],
    ["caddy", "stacks/infrastructure"],
    ["komodo", "stacks/infrastructure"],
    ["platform-db-core", "stacks/platform/db/core"],
    ["platform-monitoring", "stacks/platform/monitoring"],
    ["step-ca", "stacks/infrastructure"],
  ]);
  // A stack's own subfolders are not searched, and that is said too.
  assert.deepEqual(skipped, [
    {
      path: "stacks/application/media/core/test/compose.yaml",
      kind: "inside-stack",
      why:
        "inside the stack folder stacks/application/media/core (a stack's subfolders are not searched)",
    },
    {
      path: "stacks/infrastructure/cloudflared-config.yaml",
      kind: "not-compose",
      why: "not a compose file",
    },
  ]);
});

Deno.test("discoverStacks() without nested says why it skips every deeper compose file", () => {
  const { stacks, errors, skipped } = discoverStacks(HOMELAB, WATCHED, "root", "repo");
  assert.deepEqual(stacks.map((s) => s.name), ["caddy", "komodo", "step-ca"]);
  assert.deepEqual(errors, [
    'stack "monitoring": folders "stacks/platform/monitoring" and ' +
    '"stacks/application/monitoring" have the same project name; both refused',
  ]);
  const deeper = skipped.filter((s) => s.kind === "deeper").map((s) => s.path);
  assert.deepEqual(deeper, [
    "stacks/application/media/core/compose.yaml",
    "stacks/application/media/core/test/compose.yaml",
    "stacks/platform/auth/authentik/compose.yaml",
    "stacks/platform/db/core/compose.yaml",
  ]);
  assert.equal(
    skipped.find((s) => s.path === "stacks/platform/auth/authentik/compose.yaml")?.why,
    "deeper than a stack folder (set nested: true)",
  );
});

Deno.test("discoverStacks() refuses a clash that remains by path, naming both folders", () => {
  const entries = listing("a/", "a/x/", "a/x/web/", "a/x/web/compose.yaml", "b/", "b/a/", "b/a/x/");
  entries.push(...listing("b/a/x/web/", "b/a/x/web/compose.yaml"));
  const { stacks, errors } = discoverStacks(entries, ["a", "b/a"], "root", "repo", {
    nested: true,
  });
  assert.deepEqual(stacks, []);
  assert.deepEqual(errors, [
    'stack "web": folders "a/x/web" and "b/a/x/web" have the same project name, even by their ' +
    "paths; both refused",
  ]);
});

Deno.test("discoverStacks() keeps today's names without nested", () => {
  const nested = discoverStacks(REPO, ["stacks"], "root", "repo", { nested: true });
  const flat = discoverStacks(REPO, ["stacks"], "root", "repo");
  assert.deepEqual(flat.stacks.map((s) => s.name), ["db", "web"]);
  assert.deepEqual(nested.stacks.map((s) => s.name), ["db", "web"]);
  assert.deepEqual(flat.skipped.map((s) => [s.path, s.kind]), [
    ["stacks/.hidden/compose.yaml", "hidden"],
    ["stacks/web/sub/compose.yaml", "inside-stack"],
  ]);
});

/** A listing with real-looking hashes: each file's hash stands for its content. */
function hashed(files: Record<string, string>): TreeEntry[] {
  const entries: TreeEntry[] = [];
  const folders = new Set<string>();
  for (const [path, content] of Object.entries(files)) {
    for (let dir = posix.dirname(path); dir !== "."; dir = posix.dirname(dir)) folders.add(dir);
    const hash = Array.from(content).reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)
      .toString(16).padStart(40, "0");
    entries.push({ type: "blob", mode: "100644", hash, path });
  }
  for (const path of folders) {
    entries.push({ type: "tree", mode: "040000", hash: "f".repeat(40), path });
  }
  return entries;
}

const INFRA = {
  "infra/caddy-compose.yaml": `services:
  caddy:
    image: caddy
    env_file: [caddy.env]
    volumes:
      - ./caddy/Caddyfile:/etc/caddy/Caddyfile:ro
      - type: bind
        source: ./site
        target: /srv
configs:
  extra: { file: ./extra.conf }
`,
  "infra/caddy.env": "A=1\n",
  "infra/caddy/Caddyfile": ":80\n",
  "infra/site/index.html": "hi\n",
  "infra/extra.conf": "x\n",
  "infra/caddy-deploy.yaml": "health_timeout: 2m\n",
  "infra/komodo.compose.yml": `services:
  komodo:
    image: komodo
    secrets: [key]
secrets:
  key: { file: komodo/key.txt }
include:
  - komodo/db-compose.yaml
`,
  "infra/komodo/key.txt": "k\n",
  "infra/komodo/db-compose.yaml": "services:\n  db:\n    env_file: db.env\n",
  "infra/komodo/db.env": "D=1\n",
  "infra/README.md": "notes\n",
};

function infra(files: Record<string, string>) {
  const entries = hashed(files);
  const texts = new Map(
    filesToRead(entries).map((path) => [path, files[path]!] as [string, string]),
  );
  return discoverStacks(entries, ["."], "root", "repo", { texts });
}

Deno.test("discoverStacks() takes each NAME-compose.yaml as a stack with the files it uses", () => {
  const { stacks, errors, skipped } = infra(INFRA);
  assert.deepEqual(errors, []);
  assert.deepEqual(skipped, []);
  assert.deepEqual(stacks.map((s) => [s.name, s.path, s.composeFile]), [
    ["caddy", "infra", "caddy-compose.yaml"],
    ["komodo", "infra", "komodo.compose.yml"],
  ]);
  assert.deepEqual(stacks[0]?.files, [
    { from: "caddy-compose.yaml", to: "compose.yaml" },
    { from: "caddy-deploy.yaml", to: "deploy.yaml" },
    { from: "caddy.env", to: "caddy.env" },
    { from: "caddy/Caddyfile", to: "caddy/Caddyfile" },
    { from: "extra.conf", to: "extra.conf" },
    { from: "site/index.html", to: "site/index.html" },
  ]);
  assert.deepEqual(stacks[1]?.files?.map((f) => f.from), [
    "komodo.compose.yml",
    "komodo/db-compose.yaml",
    "komodo/db.env",
    "komodo/key.txt",
  ]);
});

Deno.test("discoverStacks() changes a file stack's version only when one of its files changes", () => {
  const before = infra(INFRA).stacks;
  const caddyChanged = infra({ ...INFRA, "infra/caddy/Caddyfile": ":8080\n" }).stacks;
  const elsewhere = infra({ ...INFRA, "infra/README.md": "more\n" }).stacks;
  assert.match(before[0]!.tree, /^[0-9a-f]{40}$/);
  assert.notEqual(caddyChanged[0]!.tree, before[0]!.tree);
  assert.equal(caddyChanged[1]!.tree, before[1]!.tree);
  assert.deepEqual(elsewhere.map((s) => s.tree), before.map((s) => s.tree));
  // The folder's .env is read by compose for every project in it: it belongs to each.
  const env = infra({ ...INFRA, "infra/.env": "X=1\n" }).stacks;
  assert.notEqual(env[0]!.tree, before[0]!.tree);
  assert.notEqual(env[1]!.tree, before[1]!.tree);
});

Deno.test("discoverStacks() takes the first of a file stack's compose files and says so", () => {
  const { stacks, skipped } = infra({
    "x/web.compose.yaml": "services: {}\n",
    "x/web-compose.yml": "services: {}\n",
    "x/web-compose.yaml": "services: {}\n",
    "x/web-deploy.yml": "method: blind\n",
    "x/db-deploy.yaml": "method: blind\n",
  });
  assert.deepEqual(stacks.map((s) => s.composeFile), ["web-compose.yaml"]);
  assert.deepEqual(skipped.map((s) => [s.path, s.why]), [
    ["x/db-deploy.yaml", "deploy settings without a compose file (db-compose.yaml)"],
    ["x/web-compose.yml", "ignored: web-compose.yaml comes first"],
    ["x/web.compose.yaml", "ignored: web-compose.yaml comes first"],
  ]);
  assert.deepEqual(stacks[0]?.files?.map((f) => [f.from, f.to]), [
    ["web-compose.yaml", "compose.yaml"],
    ["web-deploy.yml", "deploy.yaml"],
  ]);
});

Deno.test("discoverStacks() keeps a folder with compose.yaml one stack, its NAME-compose files inside it", () => {
  const { stacks, skipped } = infra({
    "web/compose.yaml": "services: {}\n",
    "web/dev-compose.yaml": "services: {}\n",
  });
  assert.deepEqual(stacks.map((s) => [s.name, s.files]), [["web", undefined]]);
  assert.deepEqual(skipped.map((s) => [s.path, s.kind]), [["web/dev-compose.yaml", "ignored"]]);
});

Deno.test("discoverStacks() reads a file stack's compose_files from its settings or the defaults", () => {
  const files = {
    "x/a-compose.yaml": "services: {}\n",
    "x/a-deploy.yaml": "compose_files: [a.prod.yaml]\n",
    "x/a.prod.yaml": "services:\n  a:\n    env_file: prod.env\n",
    "x/prod.env": "P=1\n",
    "x/b-compose.yaml": "# Deploy Start #\n# compose_files: b.extra.yaml\n# Deploy End #\n",
    "x/b.extra.yaml": "services: {}\n",
    "x/c-compose.yaml": "services: {}\n",
    "x/common.yaml": "services: {}\n",
  };
  const entries = hashed(files);
  const texts = new Map(
    filesToRead(entries).map((path) => [path, files[path as keyof typeof files]]),
  );
  const { stacks } = discoverStacks(entries, ["x"], "root", "repo", {
    texts,
    composeFiles: ["common.yaml"],
  });
  assert.deepEqual(stacks.map((s) => [s.name, s.files?.map((f) => f.from)]), [
    ["a", ["a-compose.yaml", "a-deploy.yaml", "a.prod.yaml", "prod.env"]],
    ["b", ["b-compose.yaml", "b.extra.yaml"]],
    ["c", ["c-compose.yaml", "common.yaml"]],
  ]);
});

Deno.test("discoverStacks() never takes a file from outside the folder or behind a variable", () => {
  const { stacks } = infra({
    "x/a-compose.yaml": `services:
  a:
    env_file: [../secrets.env, /etc/a.env, "\${DIR}/a.env", ~/a.env]
    volumes: [../data:/data, /srv:/srv, ./ok.txt:/ok.txt]
`,
    "x/ok.txt": "ok\n",
    "secrets.env": "S=1\n",
  });
  assert.deepEqual(stacks[0]?.files?.map((f) => f.from), ["a-compose.yaml", "ok.txt"]);
});

/** Marks `links` (path → target) as symbolic links in a listing. */
function withLinks(entries: TreeEntry[], links: Record<string, string>) {
  return {
    entries: entries.map((e) => e.path in links ? { ...e, mode: "120000" } : e),
    links: new Map(Object.entries(links)),
  };
}

Deno.test("discoverStacks() refuses a stack whose compose or deploy file is a symbolic link", () => {
  const { entries, links } = withLinks(
    listing(
      "s/",
      "s/web/",
      "s/web/compose.yaml",
      "s/api/",
      "s/api/compose.yaml",
      "s/api/deploy.yml",
      "s/ok/",
      "s/ok/compose.yaml",
    ),
    { "s/web/compose.yaml": "../ok/compose.yaml", "s/api/deploy.yml": "/etc/shadow" },
  );
  const { stacks, errors } = discoverStacks(entries, ["s"], "root", "repo", { links });
  assert.deepEqual(stacks.map((s) => s.name), ["ok"]);
  assert.deepEqual(errors, [
    'stack "web": s/web/compose.yaml is a symbolic link (compose and deploy files must be plain ' +
    "files); refused",
    'stack "api": s/api/deploy.yml is a symbolic link (compose and deploy files must be plain ' +
    "files); refused",
  ]);
  assert.ok(!errors.join().includes("/etc/shadow"), "the link's target is never shown");
});

Deno.test("discoverStacks() refuses a stack holding a link that leads outside its folder", () => {
  const { entries, links } = withLinks(
    listing(
      "s/",
      "s/web/",
      "s/web/compose.yaml",
      "s/web/conf/",
      "s/web/conf/current",
      "s/web/conf/site.conf",
      "s/web/up",
      "s/ok/",
      "s/ok/compose.yaml",
      "s/ok/latest",
    ),
    { "s/web/conf/current": "site.conf", "s/web/up": "../ok/compose.yaml", "s/ok/latest": "." },
  );
  const { stacks, errors } = discoverStacks(entries, ["s"], "root", "repo", { links });
  assert.deepEqual(stacks.map((s) => s.name), ["ok"]);
  assert.deepEqual(errors, [
    'stack "web": s/web/up is a symbolic link that leads outside the stack folder; refused',
  ]);
});

Deno.test("discoverStacks() ships the file a file stack's link points at, inside the folder", () => {
  const files = {
    "x/a-compose.yaml": "services:\n  a:\n    volumes: [./current.conf:/c:ro]\n",
    "x/current.conf": "",
    "x/v2.conf": "v2\n",
  };
  const { entries, links } = withLinks(hashed(files), { "x/current.conf": "v2.conf" });
  const texts = new Map([["x/a-compose.yaml", files["x/a-compose.yaml"]]]);
  const { stacks, errors } = discoverStacks(entries, ["x"], "root", "repo", { texts, links });
  assert.deepEqual(errors, []);
  assert.deepEqual(stacks[0]?.files?.map((f) => f.from), [
    "a-compose.yaml",
    "current.conf",
    "v2.conf",
  ]);
});

Deno.test("filesToRead() names the YAML files of folders holding file stacks, and no link", () => {
  const { entries } = withLinks(
    listing(
      "a/",
      "a/web/",
      "a/web/compose.yaml",
      "a/web/extra.yaml",
      "b/",
      "b/x-compose.yaml",
      "b/x.yaml",
      "b/conf/",
      "b/conf/y.yml",
      "b/link.yaml",
      "b/notes.txt",
    ),
    { "b/link.yaml": "/etc/passwd" },
  );
  assert.deepEqual(filesToRead(entries), ["b/x-compose.yaml", "b/x.yaml", "b/conf/y.yml"]);
});

Deno.test("fileStackName() and deployFilesFor() tell a file stack's files from a folder's", () => {
  assert.equal(fileStackName("caddy-compose.yaml"), "caddy");
  assert.equal(fileStackName("step-ca-compose.yml"), "step-ca");
  assert.equal(fileStackName("komodo.compose.yaml"), "komodo");
  for (const name of ["docker-compose.yml", "compose.yaml", "compose.prod.yaml", "-compose.yaml"]) {
    assert.equal(fileStackName(name), undefined, name);
  }
  assert.deepEqual(deployFilesFor("compose.yaml"), ["deploy.yaml", "deploy.yml"]);
  assert.deepEqual(deployFilesFor("step-ca.compose.yml"), [
    "step-ca-deploy.yaml",
    "step-ca-deploy.yml",
  ]);
});
