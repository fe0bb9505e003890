import { StacksRepo, webCompose, Workspace } from "./tests/e2e/_harness.ts";
const id = crypto.randomUUID().slice(0, 6);
const name = `try${id}`;
const repo = await StacksRepo.create({
  [`${name}/compose.yaml`]: webCompose(),
  [`${name}/deploy.yaml`]: "health_timeout: 3s\n",
});
const ws = await Workspace.create({ repo: repo.url });
let t = performance.now();
let r = await ws.run(["run"]);
console.log("run1", r, performance.now() - t);
t = performance.now();
r = await ws.run(["run"]);
console.log("run2", r, performance.now() - t);
await repo.commit({ [`${name}/compose.yaml`]: webCompose({ healthy: false }) });
t = performance.now();
r = await ws.run(["run"]);
console.log("run3", r, performance.now() - t);
console.log(await Deno.readTextFile(`${ws.base}/history.jsonl`));
console.log(await Deno.readTextFile(`${ws.base}/bad.json`));
console.log(await Deno.readTextFile(`${ws.base}/running_stacks/${name}/version.txt`));
r = await ws.run(["run"]);
console.log("run4", r);
r = await ws.run(["run"]);
console.log("run5", r);
console.log(
  new TextDecoder().decode(
    (await new Deno.Command("docker", {
      args: ["compose", "-p", name, "ps", "-a", "--format", "json"],
    }).output()).stdout,
  ),
);
await new Deno.Command("docker", { args: ["compose", "-p", name, "down", "-v"] }).output();
await ws.cleanup();
await repo.cleanup();
