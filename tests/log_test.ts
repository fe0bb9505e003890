import assert from "node:assert/strict";
import { levelFromEnv } from "../lib/log.ts";

Deno.test("levelFromEnv() takes a level name, and warn when unset or empty", () => {
  assert.deepEqual(levelFromEnv("debug"), { level: "debug" });
  assert.deepEqual(levelFromEnv(undefined), { level: "warn" });
  assert.deepEqual(levelFromEnv(""), { level: "warn" });
});

Deno.test("levelFromEnv() falls back to warn on an unknown name, with a warning naming it", () => {
  assert.deepEqual(levelFromEnv("verbose"), {
    level: "warn",
    warning: 'AUTOSTACK_LOG="verbose" is not a level (debug, info, warn, error): using warn',
  });
  assert.equal(levelFromEnv("toString").level, "warn");
});
