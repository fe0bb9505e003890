/**
 * Unit tests of content-named Swarm configs and secrets: the pure naming and
 * plan over plain compose documents, and the override written beside a copy
 * in a real temp folder.
 * The real `docker stack deploy` is in tests/e2e/swarm_objects_e2e_test.ts.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import YAML from "yaml";
import {
  contentFiles,
  MAX_OBJECT_NAME,
  objectName,
  objectNamesOf,
  objectsFileOf,
  pinObjectNames,
  planObjectNames,
  sha256Hex,
} from "../../../lib/deploy/swarm/mod.ts";
import { withTempDir, writeFiles } from "../../_temp.ts";

const HASH = "0123456789abcdef";

Deno.test("objectName() is stack, key and the first 10 hex digits of the content hash", () => {
  assert.equal(objectName("web", "conf", HASH), "web_conf_0123456789");
});

Deno.test("objectName() shortens a name over 64 characters and keeps two long keys apart", () => {
  const stack = "a-rather-long-stack-name";
  const one = objectName(stack, "nginx_configuration_for_the_public_site_one", HASH);
  const two = objectName(stack, "nginx_configuration_for_the_public_site_two", HASH);
  assert.equal(one.length, MAX_OBJECT_NAME);
  assert.equal(two.length, MAX_OBJECT_NAME);
  assert.notEqual(one, two);
  assert.match(one, /^a-rather-long-stack-name_nginx_configuration_f_[0-9a-f]{6}_0123456789$/);
});

Deno.test("objectName() replaces characters Swarm refuses and stays apart from a lookalike", () => {
  const odd = objectName("web", "my conf", HASH);
  assert.match(odd, /^web_my-conf_[0-9a-f]{6}_0123456789$/);
  assert.notEqual(odd, objectName("web", "my-conf", HASH));
  assert.match(odd, /^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9]$/);
});

Deno.test("contentFiles() lists the file: paths of configs and secrets autostack names", () => {
  const docs = [{
    configs: {
      conf: { file: "./conf/app.conf" },
      ext: { external: true },
      mine: { file: "./mine.conf", name: "shared_conf" },
      env: { file: "./${CONF}.conf" },
    },
    secrets: { token: { file: "./token.txt" }, same: { file: "./conf/app.conf" } },
  }];
  assert.deepEqual(contentFiles(docs), ["./conf/app.conf", "./token.txt"]);
});

Deno.test("planObjectNames() names file configs after their content and writes whole entries", () => {
  const docs = [{
    services: { app: { image: "x" } },
    configs: { conf: { file: "./app.conf", labels: { team: "ops" } } },
    secrets: { token: { file: "./token.txt" } },
  }];
  const plan = planObjectNames(
    "web",
    docs,
    new Map([["./app.conf", "aa".repeat(32)], [
      "./token.txt",
      "bb".repeat(32),
    ]]),
  );
  assert.deepEqual(plan.objects, [
    { section: "configs", key: "conf", name: "web_conf_aaaaaaaaaa", naming: "content" },
    { section: "secrets", key: "token", name: "web_token_bbbbbbbbbb", naming: "content" },
  ]);
  assert.deepEqual(plan.override, {
    configs: {
      conf: { file: "./app.conf", labels: { team: "ops" }, name: "web_conf_aaaaaaaaaa" },
    },
    secrets: { token: { file: "./token.txt", name: "web_token_bbbbbbbbbb" } },
  });
});

Deno.test("planObjectNames() gives a new name when only the template_driver changes", () => {
  const hashes = new Map([["./app.conf", "aa".repeat(32)]]);
  const plain = planObjectNames("web", [{ configs: { c: { file: "./app.conf" } } }], hashes);
  const templated = planObjectNames("web", [{
    configs: { c: { file: "./app.conf", template_driver: "golang" } },
  }], hashes);
  assert.equal(plain.objects[0]!.name, "web_c_aaaaaaaaaa");
  assert.equal(templated.objects[0]!.name, `web_c_${sha256Hex(`${"aa".repeat(32)}\0golang`, 10)}`);
  assert.deepEqual(templated.override?.configs.c, {
    file: "./app.conf",
    template_driver: "golang",
    name: templated.objects[0]!.name,
  });
});

Deno.test("planObjectNames() keeps a user's name:, skips externals and writes no override", () => {
  const docs = [{
    configs: {
      mine: { file: "./mine.conf", name: "shared_conf" },
      ext: { external: true, name: "outside" },
      env: { file: "./${CONF}.conf" },
    },
  }];
  const plan = planObjectNames("web", docs, new Map([["./mine.conf", HASH]]));
  assert.deepEqual(plan.objects, [
    { section: "configs", key: "mine", name: "shared_conf", naming: "user" },
    { section: "configs", key: "env", name: "web_env", naming: "default" },
  ]);
  assert.equal(plan.override, undefined);
});

Deno.test("planObjectNames() takes a later compose file's entry whole, as stack deploy does", () => {
  const docs = [
    { configs: { conf: { file: "./a.conf", labels: { x: "1" } }, other: { file: "./o.conf" } } },
    { services: {}, configs: { conf: { file: "./b.conf" } } },
    { configs: { other: { external: true } } },
    "not a compose document",
  ];
  const hashes = new Map([["./a.conf", "aa".repeat(32)], ["./b.conf", "bb".repeat(32)]]);
  assert.deepEqual(contentFiles(docs), ["./b.conf"]);
  const plan = planObjectNames("web", docs, hashes);
  assert.deepEqual(plan.override?.configs, {
    conf: { file: "./b.conf", name: "web_conf_bbbbbbbbbb" },
  });
  assert.deepEqual(plan.objects.map((o) => o.key), ["conf"]);
});

Deno.test("planObjectNames() leaves Docker's name on a file that could not be hashed", () => {
  const plan = planObjectNames("web", [{ secrets: { gone: { file: "./gone" } } }], new Map());
  assert.deepEqual(plan.objects, [
    { section: "secrets", key: "gone", name: "web_gone", naming: "default" },
  ]);
  assert.equal(plan.override, undefined);
});

Deno.test("pinObjectNames() writes the override beside the copy and appends it last", async () => {
  await withTempDir(async (base) => {
    const dir = join(base, "running_stacks", "web");
    await writeFiles(dir, {
      "compose.yaml":
        "services:\n  app:\n    image: x\nconfigs:\n  conf:\n    file: ./conf/app.conf\n",
      "compose.prod.yaml": "secrets:\n  token:\n    file: token.txt\n",
      "conf/app.conf": "v1\n",
      "token.txt": "s3cret\n",
    });
    const files = [join(dir, "compose.yaml"), join(dir, "compose.prod.yaml")];
    const out = objectsFileOf(dir);
    assert.equal(out, join(base, "running_stacks", "web.swarm-objects.yaml"));
    const pinned = await pinObjectNames("web", files, out);
    const conf = `web_conf_${sha256Hex("v1\n", 10)}`;
    const token = `web_token_${sha256Hex("s3cret\n", 10)}`;
    assert.deepEqual(pinned, { files: [...files, out], names: [conf, token] });
    assert.deepEqual(YAML.parse(await Deno.readTextFile(out)), {
      configs: { conf: { file: "./conf/app.conf", name: conf } },
      secrets: { token: { file: "token.txt", name: token } },
    });
    // The user's files are untouched; a changed file gets a new name.
    assert.match(await Deno.readTextFile(files[0]!), /file: \.\/conf\/app\.conf\n$/);
    await Deno.writeTextFile(join(dir, "conf/app.conf"), "v2\n");
    const again = await pinObjectNames("web", files, out);
    assert.deepEqual(again.names, [`web_conf_${sha256Hex("v2\n", 10)}`, token]);
    // The names alone (the good copy's, for keep) come without a write.
    await Deno.remove(out);
    assert.deepEqual(await objectNamesOf("web", files), again.names);
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
  });
});

Deno.test("pinObjectNames() removes a stale override when nothing is named any more", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, {
      "compose.yaml": "services:\n  app:\n    image: x\n",
      "old.swarm-objects.yaml": "configs: {}\n",
    });
    const out = join(dir, "old.swarm-objects.yaml");
    const pinned = await pinObjectNames("web", [join(dir, "compose.yaml")], out);
    assert.deepEqual(pinned, { files: [join(dir, "compose.yaml")], names: [] });
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
  });
});

Deno.test("pinObjectNames() leaves a file it cannot read or parse to docker to report", async () => {
  await withTempDir(async (dir) => {
    await writeFiles(dir, {
      "compose.yaml": "configs:\n  conf:\n    file: ./missing.conf\n",
      "broken.yaml": "configs: [\n",
    });
    const files = [join(dir, "compose.yaml"), join(dir, "broken.yaml"), join(dir, "absent.yaml")];
    const pinned = await pinObjectNames("web", files, join(dir, "out.yaml"));
    assert.deepEqual(pinned, { files, names: ["web_conf"] });
  });
});
