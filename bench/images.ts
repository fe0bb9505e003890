/**
 * Image updates (docs/image-updates.md): a no-op `autostack run` of 100
 * deployed stacks with `image_updates: true` (20 distinct images on a local
 * `docker-registry`, five stacks each) against the same run with it off (a
 * workspace with a copy of the same state). The registry sits behind a small
 * counting proxy, so the benchmark also reports how many manifest requests a
 * run makes. Targets: at most 0.5 s more, and no more than one request per
 * distinct image.
 * @module
 */
import { join } from "node:path";
import { Workspace } from "../tests/e2e/_harness.ts";
import { LocalRegistry } from "../tests/e2e/_registry.ts";
import {
  alternate,
  autostack,
  cleanup,
  type Comparison,
  copyTree,
  expectCode,
  fixture,
  fmt,
  log,
  side,
  uniquePrefix,
} from "./_lib.ts";

/** Stacks in the fleet. */
export const STACKS = 100;
/** Distinct images they use. */
export const IMAGES = 20;
/** The most a run with image updates may add, in ms. */
export const EXTRA_TARGET_MS = 500;

/** A proxy on loopback in front of `upstream` that counts manifest requests. */
function countingProxy(upstream: string) {
  const counter = { manifests: 0 };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    if (url.pathname.includes("/manifests/")) counter.manifests++;
    return fetch(`http://${upstream}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: "manual",
    });
  });
  return { host: `127.0.0.1:${server.addr.port}`, counter, server };
}

function compose(image: string): string {
  return `services:
  app:
    image: ${image}
    init: true
    network_mode: none
    command: ["sleep", "3600"]
`;
}

/** Runs the image-updates benchmark. */
export async function benchImages(rounds: number): Promise<Comparison> {
  const prefix = uniquePrefix();
  const registry = await LocalRegistry.start();
  cleanup.add(`registry ${registry.host}`, () => registry.close());
  const proxy = countingProxy(registry.host);
  cleanup.add(`proxy ${proxy.host}`, () => proxy.server.shutdown());
  log(`images: pushing ${IMAGES} images to ${registry.host}`);
  const images: string[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const repo = `${prefix}/img${String(i).padStart(2, "0")}`;
    await registry.push(repo, "stable", `${prefix}-${i}`);
    images.push(`${proxy.host}/${repo}:stable`);
  }
  const files: Record<string, string> = {};
  for (let i = 0; i < STACKS; i++) {
    files[`${prefix}s${String(i + 1).padStart(3, "0")}/compose.yaml`] = compose(
      images[i % IMAGES]!,
    );
  }
  const on = await fixture(prefix, files, { jobs: 8, defaults: { image_updates: true } });
  log(`images: deploying ${STACKS} stacks with image_updates: true (set-up)`);
  expectCode(await autostack(on.ws, ["run"]), `set-up deploy of ${STACKS} stacks`);
  // The same state, read with image_updates off: every stack unchanged as well.
  const off = await Workspace.create({ repo: on.repo.url, jobs: 8 });
  cleanup.add(`workspace ${off.dir}`, () => off.cleanup());
  for (const folder of ["running_stacks", "good_stacks"]) {
    await copyTree(join(on.ws.base, folder), join(off.base, folder));
  }
  const noop = (ws: Workspace, what: string) => async () => {
    const before = proxy.counter.manifests;
    const run = await autostack(ws, ["run"]);
    expectCode(run, what);
    if (run.stdout !== "" || run.stderr !== "") {
      throw new Error(`${what} was not a silent no-op:\n${run.stdout}${run.stderr}`);
    }
    requests.push(proxy.counter.manifests - before);
    return run.ms;
  };
  const requests: number[] = [];
  // Warm both (a first run clones the repo into base_dir).
  await noop(on.ws, "first run with image_updates")();
  await noop(off, "first run without image_updates")();
  requests.length = 0;
  const times = await alternate(
    rounds,
    noop(on.ws, "no-op run with image_updates"),
    noop(off, "no-op run without image_updates"),
  );
  const a = side("image_updates: true", times.a);
  const b = side("image_updates: false", times.b);
  const extra = a.median - b.median;
  const perRun = Math.max(...requests);
  const met = extra <= EXTRA_TARGET_MS && perRun <= IMAGES;
  return {
    id: "images",
    title: `image updates, no-op of ${STACKS} stacks (${IMAGES} images)`,
    a,
    b,
    ratio: a.median / b.median,
    ratioOf: "A/B",
    target: `≤ +${fmt(EXTRA_TARGET_MS)}, ≤ ${IMAGES} requests`,
    met,
    margin: `+${fmt(extra)}, ${perRun} requests a run`,
    notes: [
      `difference of the medians: +${fmt(extra)}; manifest requests per run: ${perRun} ` +
      `(${IMAGES} distinct images, ${STACKS} stacks)`,
    ],
  };
}
