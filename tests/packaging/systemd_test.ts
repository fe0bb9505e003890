/**
 * The systemd units of packaging/systemd pass `systemd-analyze verify` and
 * keep their hardening. verify also checks that `ExecStart`'s program exists
 * and is executable; /usr/local/bin/autostack is where users install it, not
 * where it is on a CI host, so each unit is verified as a copy whose ExecStart
 * program alone is rewritten to an executable in a temp folder: every other
 * line is checked as shipped.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withTempDir } from "../_temp.ts";
import { renderUnits, UNIT_DEFAULTS } from "../../lib/init/mod.ts";

const UNITS = fileURLToPath(new URL("../../packaging/systemd/", import.meta.url));
const INSTALLED = "/usr/local/bin/autostack";
const SERVICES = ["autostack.service", "autostack-watch.service"];

const unit = (name: string) => Deno.readTextFileSync(join(UNITS, name));

/** `KEY=VALUE` lines of a unit, comments and sections left out. */
function settings(text: string): string[] {
  return text.split("\n").filter((l) => /^[A-Za-z]+=/.test(l));
}

async function verify(files: string[]): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command("systemd-analyze", {
    args: ["verify", ...files],
    stdout: "piped",
    stderr: "piped",
  }).output().catch((error) => {
    throw new Error(
      `systemd-analyze is missing (${error}): run \`deno task setup\` (Debian's systemd package)`,
    );
  });
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("the units pass systemd-analyze verify with nothing to say", async () => {
  await withTempDir(async (dir) => {
    const program = join(dir, "autostack");
    await Deno.writeTextFile(program, "#!/bin/sh\n");
    await Deno.chmod(program, 0o755);
    const files = [];
    for (const name of [...SERVICES, "autostack.timer"]) {
      const text = unit(name);
      const copy = text.replaceAll(`ExecStart=${INSTALLED} `, `ExecStart=${program} `);
      const changed = settings(text).filter((l, i) => l !== settings(copy)[i]);
      assert.deepEqual(changed, settings(text).filter((l) => l.startsWith("ExecStart=")), name);
      await Deno.writeTextFile(join(dir, name), copy);
      files.push(join(dir, name));
    }
    const r = await verify(files);
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
  });
});

Deno.test("verify would catch a mistake: an unknown key is reported", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "autostack.timer"), `${unit("autostack.timer")}Oops=1\n`);
    const r = await verify([join(dir, "autostack.timer")]);
    assert.match(r.stderr, /Unknown key 'Oops'/);
  });
});

Deno.test("both services run the installed binary, hardened, with the base dir and the Docker socket writable", () => {
  const hardening = (text: string) => {
    const end = text.indexOf("[Install]");
    return settings(text.slice(text.indexOf("# Hardening."), end === -1 ? undefined : end));
  };
  for (const name of SERVICES) {
    const lines = settings(unit(name));
    assert.ok(lines.some((l) => l.startsWith(`ExecStart=${INSTALLED} `)), name);
    for (
      const line of [
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/autostack -/run/docker.sock",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
      ]
    ) assert.ok(lines.includes(line), `${name}: ${line}`);
  }
  assert.deepEqual(hardening(unit(SERVICES[0]!)), hardening(unit(SERVICES[1]!)));
});

Deno.test("the timer starts a run 2 minutes after the last one ended, with a random delay", () => {
  const lines = settings(unit("autostack.timer"));
  assert.ok(lines.includes("OnUnitInactiveSec=2min"));
  assert.ok(lines.some((l) => /^RandomizedDelaySec=\d+s$/.test(l)));
  assert.ok(settings(unit("autostack.service")).includes("Type=oneshot"));
});

Deno.test("the packaged units are what init --systemd writes for /etc/autostack.yaml and /var/lib/autostack", () => {
  for (const [name, text] of Object.entries(renderUnits(UNIT_DEFAULTS))) {
    assert.equal(
      unit(name),
      text,
      `packaging/systemd/${name} differs from renderUnits(UNIT_DEFAULTS)`,
    );
  }
});
