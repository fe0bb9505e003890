import assert from "node:assert/strict";
import { statusAllowed } from "../../lib/watch/mod.ts";

const at = (path: string, headers: Record<string, string> = {}) =>
  new Request(`http://127.0.0.1${path}`, { headers });

Deno.test("statusAllowed() lets everyone in when no status_token is set", async () => {
  assert.equal(await statusAllowed(at("/"), undefined), true);
});

Deno.test("statusAllowed() takes the token as ?token= or as a bearer header", async () => {
  assert.equal(await statusAllowed(at("/?token=s3cret"), "s3cret"), true);
  assert.equal(await statusAllowed(at("/?token=s%26c"), "s&c"), true);
  assert.equal(await statusAllowed(at("/", { authorization: "Bearer s3cret" }), "s3cret"), true);
  assert.equal(await statusAllowed(at("/", { authorization: "bearer s3cret" }), "s3cret"), true);
});

Deno.test("statusAllowed() refuses a missing, wrong, longer or shorter token", async () => {
  for (
    const request of [
      at("/"),
      at("/?token="),
      at("/?token=s3cre"),
      at("/?token=s3cret2"),
      at("/", { authorization: "Bearer wrong" }),
      at("/", { authorization: "Basic czNjcmV0" }),
    ]
  ) assert.equal(await statusAllowed(request, "s3cret"), false, request.url);
});
