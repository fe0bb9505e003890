/**
 * The status page of `watch`, end to end and in a real browser: a scene with
 * a healthy stack and one whose broken version was rolled back, `watch`
 * serving it behind `status_token`, and Debian's headless Chromium loading
 * the page (its DOM, and a screenshot kept under tests/e2e/artifacts/).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SKIP_DOCKER } from "./_docker.ts";
import { type CliResult, spawnCli, webCompose } from "./_harness.ts";
import { closedPort, waitUntil } from "./_receiver.ts";
import { type Scene, stackFiles, withScene } from "./_scene.ts";
import { ARTIFACTS, chromium } from "./_chromium.ts";

const ignore = SKIP_DOCKER;
const TOKEN = "s3cret-<page>&token";

/** `watch` on a free port; stopped (SIGTERM) by the returned function. */
function startWatch(s: Scene) {
  const port = closedPort();
  const child = spawnCli(
    ["watch", "--config", s.ws.config, "--listen", `127.0.0.1:${port}`],
    { cwd: s.ws.dir, env: { AUTOSTACK_LOG: "info" } },
  );
  const stop = (): Promise<CliResult> => {
    Deno.kill(child.pid, "SIGTERM");
    return child.result;
  };
  return { url: `http://127.0.0.1:${port}/`, stop };
}

/** The `<section>` of stack `name` in the page. */
function section(html: string, name: string): string {
  const start = html.indexOf(`<section class="stack" data-stack="${name}"`);
  assert.notEqual(start, -1, `no section for ${name} in:\n${html}`);
  return html.slice(start, html.indexOf("</section>", start));
}

Deno.test({
  name:
    "the status page shows each stack's state and timeline in Chromium, and 401 without the token",
  ignore,
  fn: () =>
    withScene({ status_token: TOKEN, interval: "1h" }, async (s) => {
      const web = s.name("web");
      const api = s.name("api");
      await s.commit({ ...stackFiles(web, webCompose()), ...stackFiles(api, webCompose()) });
      assert.equal((await s.run()).code, 0);
      await s.commit(stackFiles(api, webCompose({ healthy: false })));
      assert.equal((await s.run()).code, 1);

      const watch = startWatch(s);
      try {
        const token = encodeURIComponent(TOKEN);
        // The page is up once the first run of the loop is done.
        await waitUntil("the first run", async () => {
          const r = await fetch(`${watch.url}healthz`).catch(() => undefined);
          const body = r?.ok ? await r.json() : await r?.body?.cancel();
          return body?.runs >= 1 ? body : undefined;
        }, 30_000);

        const tries: Record<string, string>[] = [{}, { authorization: "Bearer wrong" }];
        for (const headers of tries) {
          const denied = await fetch(watch.url, { headers });
          assert.equal(denied.status, 401);
          assert.doesNotMatch(await denied.text(), /<section/);
        }
        const byHeader = await fetch(watch.url, { headers: { authorization: `Bearer ${TOKEN}` } });
        assert.equal(byHeader.status, 200);
        assert.match(byHeader.headers.get("content-type") ?? "", /^text\/html/);
        const page = await byHeader.text();
        assert.ok(page.length < 16_000, `${page.length} bytes`);
        assert.doesNotMatch(page, /<script/i);
        assert.ok(!page.includes(TOKEN), "the token is not in the page");
        assert.doesNotMatch(page, /services:|healthcheck:/, "no compose contents");

        const dom = await chromium(["--dump-dom"], `${watch.url}?token=${token}`);
        assert.match(dom, /<meta http-equiv="refresh" content="\d+">/);
        assert.match(dom, /id="run" data-running="no">Idle\.<\/span> Next run <span id="next">/);
        const good = section(dom, web);
        assert.match(good, /data-health="healthy"/);
        assert.match(good, /<dd class="ok">healthy/);
        assert.match(good, /<li class="ok" data-result="deployed"/);
        assert.match(good, /<dt>Bad<\/dt><dd>-<\/dd>/);
        const broken = section(dom, api);
        // Rolled back to its good version, which is healthy; the repo's version is marked bad.
        assert.match(broken, /data-health="healthy"/);
        assert.match(broken, /<dd><span class="warn">rolled_back<\/span>/);
        assert.match(broken, /<dt>Bad<\/dt><dd><span class="bad">[0-9a-f]{7}: /);
        const marks = [...broken.matchAll(/data-result="([a-z_]+)"/g)].map((m) => m[1]);
        assert.deepEqual(marks, ["rolled_back", "deployed"], "newest first");

        const unauthorized = await chromium(["--dump-dom"], watch.url);
        assert.match(unauthorized, /401: this status page needs \?token=/);
        assert.doesNotMatch(unauthorized, /data-stack/);

        await Deno.mkdir(ARTIFACTS, { recursive: true });
        const png = join(ARTIFACTS, "status_page.png");
        await Deno.remove(png).catch(() => {});
        await chromium(
          [`--screenshot=${png}`, "--window-size=412,915"],
          `${watch.url}?token=${token}`,
        );
        const bytes = await Deno.readFile(png);
        assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
        assert.ok(bytes.length > 5_000, `${bytes.length} bytes`);
      } finally {
        const end = await watch.stop();
        assert.equal(end.code, 0, end.stderr);
      }
    }),
});
