import assert from "node:assert/strict";
import { commandHelp, COMMANDS, globalHelp } from "../lib/help.ts";

Deno.test("globalHelp() lists every command with one line, marking those with --json", () => {
  const text = globalHelp();
  for (const [name, help] of Object.entries(COMMANDS)) {
    const line = text.split("\n").find((l) => l.startsWith(`  ${name} `));
    assert.ok(line, `no line for ${name}`);
    assert.ok(line.endsWith(help.summary));
    assert.equal(line.includes("(--json)"), help.flags.some(([flag]) => flag === "--json"), name);
  }
  assert.match(text, /autostack COMMAND --help/);
});

Deno.test("commandHelp() shows the command's usage, every flag and one example", () => {
  const text = commandHelp("history")!;
  assert.match(text, /^autostack history: /);
  assert.match(text, /^Usage: autostack history \[--config F\]/m);
  for (const flag of ["-c, --config F", "--stack NAME", "--limit N", "--json", "-h, --help"]) {
    assert.match(text, new RegExp(`^  ${flag.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")}  `, "m"));
  }
  assert.match(text, /^Example:\n {2}autostack history --stack web --limit 5$/m);
});

Deno.test("commandHelp() has nothing for a name that is not a command", () => {
  assert.equal(commandHelp("nosuch"), undefined);
  assert.equal(commandHelp("toString"), undefined);
});
