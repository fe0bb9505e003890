import assert from "node:assert/strict";
import { join } from "node:path";
import { writePlainFiles } from "../../lib/secrets/mod.ts";
import { withTempDir, writeFiles } from "../_temp.ts";

Deno.test("writePlainFiles() writes 0600 files in 0700 folders and removes the .age file", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, {
      "conf/token.txt.age": "cipher",
      ".env": "cipher",
      "compose.yaml": "x",
    });
    await writePlainFiles(dir, [
      { encrypted: "conf/token.txt.age", to: "conf/token.txt", data: new Uint8Array([65]) },
      { encrypted: ".env", to: ".env", data: new Uint8Array([66]) },
    ]);
    const mode = async (p: string) => ((await Deno.stat(join(dir, p))).mode ?? 0) & 0o777;
    assert.equal(await mode("conf/token.txt"), 0o600);
    assert.equal(await mode(".env"), 0o600);
    assert.equal(await mode("conf"), 0o700);
    assert.equal(await mode("."), 0o700);
    assert.equal(await Deno.readTextFile(join(dir, ".env")), "B");
    await assert.rejects(Deno.stat(join(dir, "conf/token.txt.age")), Deno.errors.NotFound);
  });
});
