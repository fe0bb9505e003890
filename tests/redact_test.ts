import assert from "node:assert/strict";
import { redact, redactUrl, redactUrls } from "../lib/redact.ts";

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

Deno.test("redactUrl() keeps scheme and host, and hides user part, path, query and fragment", () => {
  assert.equal(
    redactUrl("https://hooks.slack.com/services/T/B/SECRET"),
    "https://hooks.slack.com/…",
  );
  assert.equal(redactUrl("htps://hooks.slack.com/services/T/B/SECRET"), "htps://hooks.slack.com/…");
  assert.equal(redactUrl("https://ntfy.sh?auth=SECRET"), "https://ntfy.sh/…");
  assert.equal(redactUrl("https://ntfy.sh#SECRET"), "https://ntfy.sh/…");
  assert.equal(
    redactUrl("https://bob:SECRET@example.com:8443/x"),
    "https://***@example.com:8443/…",
  );
  assert.equal(redactUrl("https://SECRET@example.com"), "https://***@example.com");
  assert.equal(redactUrl("ftp://x"), "ftp://x");
});

Deno.test("redactUrl() without a scheme keeps only a part that looks like a host name", () => {
  assert.equal(redactUrl("hooks.slack.com/services/T/B/SECRET"), "hooks.slack.com/…");
  assert.equal(redactUrl("bob:SECRET@example.com/x"), "***@example.com/…");
  assert.equal(redactUrl("xoxb-SECRET"), "…");
  assert.equal(redactUrl(""), "…");
});

Deno.test("redactUrls() redacts every URL in a text and leaves the rest", () => {
  assert.equal(
    redactUrls('["https://discord.com/api/webhooks/1/SECRET", "plain", "ssh://git@h/x"]'),
    '["https://discord.com/…", "plain", "ssh://***@h/…"]',
  );
});
