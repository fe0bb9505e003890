import assert from "node:assert/strict";
import { localTime } from "../../lib/commands/_time.ts";
import { join } from "node:path";
import { testDeps } from "../_deps.ts";
import { badCommand, BadListJsonSchema } from "../../lib/commands/mod.ts";
import { parseConfig } from "../../lib/config/mod.ts";
import type { BadCommand } from "../../lib/cli.ts";
import { type BadMark, markBad } from "../../lib/state/mod.ts";

const MARK: BadMark = {
  tree: "a1b2c3d4e5",
  commit: "c0ffee1234",
  marked_at: "2026-03-01T10:00:00.000Z",
  reason: "web: unhealthy (exit 1)",
};

/** Runs `bad list` (text or JSON) on a fresh base_dir prepared by `fill`. */
async function list(
  fill: (badJson: string) => Promise<void>,
  json = false,
): Promise<{ code: number; out: string[]; err: string[]; path: string }> {
  const base = await Deno.makeTempDir({ prefix: "autostack_bad_cmd_" });
  try {
    const path = join(base, "bad.json");
    await fill(path);
    const out: string[] = [];
    const err: string[] = [];
    const config = parseConfig(`repo: /r\nbase_dir: ${base}\n`, "/c.yaml", {}, { hostname: "h" });
    const command: BadCommand = { kind: "bad", action: "list", json };
    const deps = testDeps({ out: (line) => out.push(line), err: (line) => err.push(line) });
    const code = await badCommand(command, config, deps);
    return { code, out, err, path };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

Deno.test("bad list prints the marks and exits 0", async () => {
  const { code, out, err } = await list((path) => markBad(path, "web", MARK));
  assert.equal(code, 0);
  assert.deepEqual(err, []);
  assert.match(out[0] ?? "", /^STACK\s+TREE\s+COMMIT\s+MARKED\s+REASON$/);
  assert.match(
    out[1] ?? "",
    new RegExp(
      `^web\\s+a1b2c3d\\s+c0ffee1\\s+${
        localTime(MARK.marked_at).replace("+", "\\+")
      }\\s+web: unhealthy`,
    ),
  );
  const none = await list(() => Promise.resolve());
  assert.deepEqual([none.code, none.out, none.err], [0, ["no bad versions"], []]);
});

Deno.test("bad list of a corrupt bad.json prints the marks it could read, names the file on stderr and exits 1", async () => {
  const { code, out, err, path } = await list((path) =>
    Deno.writeTextFile(path, JSON.stringify({ web: MARK, db: { tree: "" } }))
  );
  assert.equal(code, 1);
  assert.equal(out.length, 2, "the header and the one valid mark");
  assert.match(out[1] ?? "", /^web\s+a1b2c3d/);
  assert.equal(err.length, 1);
  assert.match(err[0] ?? "", new RegExp(`^autostack: ${path} has an invalid mark, left out: "db"`));
});

Deno.test("bad list of a torn bad.json prints no table, one line on stderr, and exits 1", async () => {
  const { code, out, err, path } = await list((path) => Deno.writeTextFile(path, '{"web": {"tr'));
  assert.equal(code, 1);
  assert.deepEqual(out, [], "not 'no bad versions': that would be a lie");
  assert.equal(err.length, 1);
  assert.match(err[0] ?? "", new RegExp(`^autostack: ${path} is not valid JSON: `));
});

Deno.test("bad list --json of a corrupt bad.json prints the valid marks as JSON and exits 1", async () => {
  const { code, out, err } = await list(
    (path) => Deno.writeTextFile(path, JSON.stringify({ web: MARK, db: 7 })),
    true,
  );
  assert.equal(code, 1);
  assert.deepEqual(BadListJsonSchema.parse(JSON.parse(out.join("\n"))), {
    schema_version: 1,
    marks: [{
      stack: "web",
      tree: MARK.tree,
      commit: MARK.commit,
      at: MARK.marked_at,
      reason: MARK.reason,
    }],
  });
  assert.equal(err.length, 1);
});
