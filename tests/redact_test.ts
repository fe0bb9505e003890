import assert from "node:assert/strict";
import { redact } from "../lib/redact.ts";

Deno.test("redact() hides the password of an https URL", () => {
  assert.equal(
    redact("fatal: unable to access 'https://bob:ghp_SECRET@github.com/x/y.git/': 403"),
    "fatal: unable to access 'https://bob:***@github.com/x/y.git/': 403",
  );
});

Deno.test("redact() hides a token given as the user part", () => {
  assert.equal(redact("https://ghp_SECRET@github.com/x"), "https://***@github.com/x");
});

Deno.test("redact() leaves ssh URLs and plain text alone", () => {
  const text = "ssh://git@host/x.git and git@host:x.git and /srv/repo";
  assert.equal(redact(text), text);
});
