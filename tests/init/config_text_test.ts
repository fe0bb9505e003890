import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/mod.ts";
import { renderConfig } from "../../lib/init/mod.ts";

const answers = {
  repo: "git@git.example.com:ops/stacks.git",
  baseDir: "/srv/autostack",
  folders: ["stacks"],
};

Deno.test("renderConfig() writes the given keys, each under a comment", () => {
  const text = renderConfig(answers);
  assert.match(
    text,
    /^# The stacks repository.*\nrepo: "git@git\.example\.com:ops\/stacks\.git"$/m,
  );
  assert.match(text, /^folders: \["stacks"\]$/m);
  assert.match(
    text,
    /^# history\.jsonl, bad\.json, the run lock\.\nbase_dir: "\/srv\/autostack"$/m,
  );
});

Deno.test("renderConfig() leaves the next keys to set commented out", () => {
  const text = renderConfig(answers);
  for (const key of ["branch", "interval", "listen", "status_token", "notify"]) {
    assert.match(text, new RegExp(`^# ${key}:`, "m"), key);
    assert.doesNotMatch(text, new RegExp(`^${key}:`, "m"), key);
  }
});

Deno.test("renderConfig()'s text parses back to the same values, with no warning", () => {
  const config = parseConfig(renderConfig(answers), "/etc/autostack.yaml", {}, { hostname: "h" });
  assert.equal(config.repo, answers.repo);
  assert.equal(config.base_dir, "/srv/autostack");
  assert.deepEqual(config.folders, ["stacks"]);
  assert.deepEqual(config.warnings, []);
});

Deno.test("renderConfig() quotes values YAML would read otherwise", () => {
  const odd = { repo: "/srv/repo: # not a comment", baseDir: "yes", folders: ["a,b", "#c"] };
  const config = parseConfig(renderConfig(odd), "/etc/autostack.yaml", {}, { hostname: "h" });
  assert.equal(config.repo, "/srv/repo: # not a comment");
  assert.equal(config.base_dir, "/etc/yes");
  assert.deepEqual(config.folders, ["a,b", "#c"]);
});
