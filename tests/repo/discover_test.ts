import assert from "node:assert/strict";
import { discoverStacks, repoName, type TreeEntry } from "../../lib/repo/mod.ts";
import { normalizeName } from "../../lib/names.ts";

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
