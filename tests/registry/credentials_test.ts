import assert from "node:assert/strict";
import {
  authKeyHost,
  credentialsFor,
  dockerConfigDir,
  dockerCredentials,
  parseDockerConfig,
} from "../../lib/registry/mod.ts";
import { fakeRunner } from "../_fakes.ts";
import { withTempDir, writeFiles } from "../_temp.ts";

const none = fakeRunner(() => ({ code: 1 }));

Deno.test("dockerConfigDir() is $DOCKER_CONFIG, else ~/.docker", () => {
  assert.equal(dockerConfigDir({ DOCKER_CONFIG: "/c", HOME: "/h" }), "/c");
  assert.equal(dockerConfigDir({ HOME: "/h" }), "/h/.docker");
  assert.equal(dockerConfigDir({}), undefined);
});

Deno.test("authKeyHost() reads the host of an auths key, Docker Hub's as docker.io", () => {
  assert.equal(authKeyHost("https://index.docker.io/v1/"), "docker.io");
  assert.equal(authKeyHost("ghcr.io"), "ghcr.io");
  assert.equal(authKeyHost("http://127.0.0.1:5000"), "127.0.0.1:5000");
});

Deno.test("credentialsFor() decodes an auths entry of the registry", async () => {
  const config = parseDockerConfig(
    JSON.stringify({ auths: { "https://index.docker.io/v1/": { auth: btoa("me:pw:x") } } }),
    "config.json",
  );
  assert.deepEqual(await credentialsFor(config, "docker.io", none), {
    username: "me",
    password: "pw:x",
  });
  assert.equal(await credentialsFor(config, "ghcr.io", none), undefined);
});

Deno.test("credentialsFor() asks the registry's credential helper before credsStore and auths", async () => {
  const runner = fakeRunner((cmd, opts) =>
    cmd[0] === "docker-credential-pass" && opts.stdin === "ghcr.io"
      ? { stdout: JSON.stringify({ ServerURL: "ghcr.io", Username: "u", Secret: "t" }) }
      : { code: 1, stderr: "credentials not found" }
  );
  const config = parseDockerConfig(
    JSON.stringify({
      credHelpers: { "ghcr.io": "pass" },
      credsStore: "desktop",
      auths: { "ghcr.io": { auth: btoa("a:b") } },
    }),
    "config.json",
  );
  assert.deepEqual(await credentialsFor(config, "ghcr.io", runner), {
    username: "u",
    password: "t",
  });
  assert.deepEqual(runner.calls[0]!.cmd, ["docker-credential-pass", "get"]);
  // credsStore knows nothing of docker.io here: anonymous.
  assert.equal(await credentialsFor(config, "docker.io", runner), undefined);
  assert.equal(runner.calls[1]!.options.stdin, "https://index.docker.io/v1/");
});

Deno.test("parseDockerConfig() names the file when it is not valid", () => {
  assert.throws(
    () => parseDockerConfig("{", "/x/config.json"),
    /\/x\/config.json is not valid JSON/,
  );
  assert.throws(
    () => parseDockerConfig('{"auths": []}', "/x/config.json"),
    /not a valid docker config at auths/,
  );
});

Deno.test("dockerCredentials() reads $DOCKER_CONFIG/config.json once, and a missing one is anonymous", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, {
      "config.json": JSON.stringify({ auths: { "127.0.0.1:5000": { auth: btoa("u:p") } } }),
    });
    const lookup = dockerCredentials({ DOCKER_CONFIG: dir }, none, () => {});
    assert.deepEqual(await lookup("127.0.0.1:5000"), { username: "u", password: "p" });
    const empty = dockerCredentials({ DOCKER_CONFIG: `${dir}/nope` }, none, () => {});
    assert.equal(await empty("127.0.0.1:5000"), undefined);
  });
});
