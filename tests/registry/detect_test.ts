import assert from "node:assert/strict";
import { checkImages, type RegistryOptions, serviceImages } from "../../lib/registry/mod.ts";

const D1 = `sha256:${"11".repeat(32)}`;
const D2 = `sha256:${"22".repeat(32)}`;

Deno.test("serviceImages() follows tags and skips build:, @sha256 pins and variables", () => {
  const found = serviceImages([
    [
      "services:",
      "  web: { image: reg.lan/app:stable }",
      "  built: { image: me/app, build: . }",
      `  pinned: { image: "nginx@${D1}" }`,
      '  templ: { image: "app:${TAG}" }',
      "  noimage: { build: . }",
    ].join("\n"),
    "services:\n  web: { image: reg.lan/app:v2 }\n",
  ]);
  assert.deepEqual(found.map((s) => [s.service, s.image, "ref" in s.check ? "ok" : s.check.skip]), [
    ["web", "reg.lan/app:v2", "ok"],
    ["built", "me/app", "build"],
    ["pinned", `nginx@${D1}`, "pinned"],
    ["templ", "app:${TAG}", "variable"],
  ]);
});

function registry(answers: Record<string, string | number>): RegistryOptions & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    fetch: (input) => {
      const url = String(input);
      asked.push(url);
      const answer = Object.entries(answers).find(([part]) => url.includes(part))?.[1];
      if (answer === undefined) return Promise.reject(new TypeError("fetch failed"));
      return Promise.resolve(
        typeof answer === "number"
          ? new Response(null, { status: answer })
          : new Response(null, { headers: { "docker-content-digest": answer } }),
      );
    },
    credentials: () => Promise.resolve(undefined),
    insecure: [],
    timeoutMs: 1000,
  };
}

const compose = (image: string) => [`services:\n  web:\n    image: ${image}\n`];

Deno.test("checkImages() asks once per distinct image and pins each stack's services", async () => {
  const options = registry({ "/app/": D1 });
  const stacks = Array.from({ length: 5 }, (_, i) => ({
    name: `s${i}`,
    composeTexts: compose("127.0.0.1:5000/app:1"),
  }));
  const check = await checkImages(options, stacks);
  assert.equal(options.asked.length, 1);
  assert.equal(check.asked.length, 1);
  assert.deepEqual(check.images.get("s3"), [
    { service: "web", image: "127.0.0.1:5000/app:1", digest: D1 },
  ]);
  assert.deepEqual(check.unavailable, []);
});

Deno.test("checkImages() keeps the deployed digest when the registry cannot say, in one line per registry", async () => {
  const options = registry({ "/ok/": D2, "/limited/": 429 });
  const kept = { service: "web", image: "127.0.0.1:5000/app:1", digest: D1 };
  const check = await checkImages(options, [
    {
      name: "a",
      composeTexts: compose("127.0.0.1:5000/app:1"),
      deployed: { commit: "c", tree: "t", pending: false, images: [kept] },
    },
    { name: "b", composeTexts: compose("127.0.0.1:5000/other:1") },
    { name: "c", composeTexts: compose("ghcr.io/o/limited:1") },
    { name: "d", composeTexts: compose("ghcr.io/o/ok:1") },
  ]);
  assert.deepEqual(check.images.get("a"), [kept]);
  assert.deepEqual(check.images.get("b"), []);
  assert.deepEqual(check.images.get("d"), [
    { service: "web", image: "ghcr.io/o/ok:1", digest: D2 },
  ]);
  assert.deepEqual(check.unavailable, [
    "registry 127.0.0.1:5000: unreachable (fetch failed): 127.0.0.1:5000/app:1, 127.0.0.1:5000/other:1 not checked; the deployed images are kept",
    "registry ghcr.io: rate-limited (429): ghcr.io/o/limited:1 not checked; the deployed images are kept",
  ]);
});
