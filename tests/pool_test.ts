import assert from "node:assert/strict";
import { pool } from "../lib/pool.ts";

Deno.test("pool() runs at most `jobs` tasks at once and keeps the order", async () => {
  let active = 0, peak = 0;
  const results = await pool([5, 1, 3, 2, 4], 2, async (n) => {
    peak = Math.max(peak, ++active);
    await new Promise((r) => setTimeout(r, n * 3));
    active--;
    return n * 10;
  });
  assert.deepEqual(results, [50, 10, 30, 20, 40]);
  assert.equal(peak, 2);
});
