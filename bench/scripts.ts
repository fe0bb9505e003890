// deno-lint-ignore-file no-console
/**
 * `deno run -A bench/scripts.ts [--rounds N]`: what a chatty `pre_deploy`
 * costs. Two scripts, 50 MB of short lines (`seq`) and 50 MB on one line, each
 * run by `runScript` in a fresh process (for its peak RSS) beside the same
 * command into `/dev/null`. Prints the medians and the overhead; it reports
 * and does not judge.
 * @module
 */
import { median } from "./_lib.ts";
import { runScript } from "../lib/deploy/mod.ts";
import { silentLogger } from "../tests/_fakes.ts";

/** The scripts measured: 50 MB in short lines, 50 MB on one line. */
export const CASES: Record<string, string> = {
  "short lines": "seq -f 'line %.0f' 1 4000000",
  "one line": "head -c 50000000 /dev/zero | tr '\\0' x; echo",
};

/** Runs `command` once in this process; its wall time and this process's peak RSS. */
async function once(command: string, how: "runScript" | "devnull") {
  const started = performance.now();
  if (how === "devnull") {
    await new Deno.Command("sh", { args: ["-c", `${command} >/dev/null`] }).output();
  } else {
    const env = {
      AUTOSTACK_STACK: "bench",
      AUTOSTACK_COMMIT: "0",
      AUTOSTACK_TREE: "0",
      AUTOSTACK_PREVIOUS_COMMIT: "",
      AUTOSTACK_RUNNING_DIR: "/",
    };
    const phase = "pre_deploy";
    const result = await runScript(
      { phase, command, cwd: "/", timeoutMs: 600_000, env },
      silentLogger,
    );
    if (!result.ok) throw new Error(`the script failed: ${result.tail}`);
  }
  const ms = performance.now() - started;
  const status = await Deno.readTextFile("/proc/self/status");
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
  return { ms, hwm };
}

/** One measurement in a fresh process, so that peak RSS is this run's only. */
async function child(name: string, how: string): Promise<{ ms: number; hwm: number }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename ?? "", "--child", name, how],
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`bench child ${name} ${how} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

if (import.meta.main) {
  const args = Deno.args;
  if (args[0] === "--child") {
    const command = CASES[args[1] ?? ""];
    if (command === undefined) throw new Error(`unknown case ${args[1]}`);
    console.log(
      JSON.stringify(await once(command, args[2] === "devnull" ? "devnull" : "runScript")),
    );
  } else {
    const rounds = args[0] === "--rounds" ? Number(args[1]) : 3;
    for (const name of Object.keys(CASES)) {
      const runs: Record<"runScript" | "devnull", { ms: number; hwm: number }[]> = {
        runScript: [],
        devnull: [],
      };
      for (let round = 0; round < rounds; round++) {
        runs.devnull.push(await child(name, "devnull"));
        runs.runScript.push(await child(name, "runScript"));
      }
      const ms = (how: keyof typeof runs) => median(runs[how].map((r) => r.ms));
      const hwm = (how: keyof typeof runs) => median(runs[how].map((r) => r.hwm));
      console.log(
        `${name}: runScript ${ms("runScript").toFixed(0)} ms, peak RSS ${
          hwm("runScript").toFixed(0)
        } MiB; ` +
          `into /dev/null ${ms("devnull").toFixed(0)} ms, peak RSS ${
            hwm("devnull").toFixed(0)
          } MiB; ` +
          `overhead ${(ms("runScript") - ms("devnull")).toFixed(0)} ms (median of ${rounds})`,
      );
    }
  }
}
