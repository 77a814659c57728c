// Every embed, over HTTP, on a real SQLite file.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BROWSER_UA, createCounter, figures, hit, type Running, startApp } from "../helpers/server.js";

let s: Running;
before(async () => {
  s = await startApp();
});
after(() => s.close());

function assertNoCache(r: Response) {
  assert.match(r.headers.get("cache-control") ?? "", /no-cache/);
  assert.match(r.headers.get("cache-control") ?? "", /no-store/);
  assert.equal(r.headers.get("expires"), "0");
}

describe("embeds", () => {
  it("SVG badge counts, shows the count and is never cached", async () => {
    const c = await createCounter(s.url, { label: "visitors" });
    for (let i = 1; i <= 3; i++) {
      const r = await hit(s.url, c.id);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get("x-hit-counted"), "1");
      assert.match(r.headers.get("content-type") ?? "", /^image\/svg\+xml/);
      assertNoCache(r);
      const svg = await r.text();
      assert.match(svg, /^<svg/);
      assert.match(svg, new RegExp(`aria-label="visitors: ${i}"`));
    }
    assert.equal((await figures(s.url, c.id)).hits, 3);
  });

  it("badge options: label, colours, style and show=today|both", async () => {
    const c = await createCounter(s.url, { start: 1233 });
    const r = await hit(s.url, c.id, "svg", { query: "label=views&color=ff0000&labelColor=green&style=flat-square" });
    const svg = await r.text();
    assert.match(svg, /aria-label="views: 1,234"/);
    assert.match(svg, /fill="#ff0000"/);
    const both = await (await hit(s.url, c.id, "svg", { query: "show=both" })).text();
    assert.match(both, /: 2 \/ 1,235"/);
    const today = await (await hit(s.url, c.id, "svg", { query: "show=today&count=false" })).text();
    assert.match(today, /: 2"/);
    for (const style of ["flat", "plastic", "for-the-badge", "social"]) {
      assert.equal((await hit(s.url, c.id, "svg", { query: `style=${style}` })).status, 200);
    }
  });

  it("digits style: every theme, padded to a minimum width", async () => {
    const c = await createCounter(s.url, { start: 41 });
    const seen = new Set<string>();
    for (const theme of ["odometer", "lcd", "plain", "retro", "matrix"]) {
      const r = await hit(s.url, c.id, "svg", { query: `style=digits&theme=${theme}&digits=6&count=false` });
      assert.equal(r.status, 200);
      const svg = await r.text();
      assert.match(svg, /aria-label="41"/);
      // six tiles
      assert.equal(svg.match(/<rect x="\d+" y="1" width="20"/g)?.length, 6, theme);
      seen.add(svg);
    }
    assert.equal(seen.size, 5, "themes draw distinct pictures");
    const counted = await hit(s.url, c.id, "svg", { query: "style=digits&theme=lcd" });
    assert.equal(counted.headers.get("x-hit-counted"), "1");
    assert.match(await counted.text(), /aria-label="42"/);
  });

  it("PNG is a real raster image of the picture", async () => {
    const c = await createCounter(s.url);
    const r = await hit(s.url, c.id, "png", { query: "style=digits&theme=retro&digits=5" });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "image/png");
    assertNoCache(r);
    const png = Buffer.from(await r.arrayBuffer());
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    // IHDR width: 5 tiles of 22px + 2, drawn at 2x
    assert.equal(png.readUInt32BE(16), (5 * 22 + 2) * 2);
    assert.equal(r.headers.get("x-hit-counted"), "1");
  });

  it("GIF pixel counts without showing", async () => {
    const c = await createCounter(s.url);
    const r = await hit(s.url, c.id, "gif");
    assert.equal(r.headers.get("content-type"), "image/gif");
    assert.equal(r.headers.get("x-hit-counted"), "1");
    const gif = Buffer.from(await r.arrayBuffer());
    assert.equal(gif.subarray(0, 6).toString(), "GIF89a");
    assert.equal(gif.readUInt16LE(6), 1);
    assert.equal((await figures(s.url, c.id)).hits, 1);
  });

  it("JSON counts, is CORS-enabled and reports today", async () => {
    const c = await createCounter(s.url);
    const r = await hit(s.url, c.id, "json");
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
    assertNoCache(r);
    const body = await r.json();
    assert.deepEqual(body, { id: c.id, hits: 1, visitors: 1, today: { hits: 1, visitors: 1 }, online: 1 });
  });

  it("count=false shows without counting", async () => {
    const c = await createCounter(s.url, { start: 7 });
    const r = await hit(s.url, c.id, "svg", { query: "count=false" });
    assert.equal(r.headers.get("x-hit-counted"), "0");
    assert.equal(r.headers.get("x-hit-reason"), "nocount");
    assert.match(await r.text(), /: 7"/);
    assert.equal((await figures(s.url, c.id)).hits, 7);
  });

  it("counter.js and POST /api/hit count the reported page", async () => {
    const js = await fetch(`${s.url}/counter.js`);
    assert.match(js.headers.get("content-type") ?? "", /javascript/);
    assert.match(await js.text(), /\/api\/hit/);
    const c = await createCounter(s.url);
    const r = await fetch(`${s.url}/api/hit`, {
      method: "POST",
      headers: { "content-type": "text/plain", "user-agent": BROWSER_UA, origin: "https://blog.example" },
      body: JSON.stringify({ counter: c.id, path: "/posts/1?utm=x", referrer: "https://news.example/item?id=1" }),
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
    assert.equal(r.headers.get("x-hit-counted"), "1");
    const body = await r.json();
    assert.equal(body.hits, 1);
    assert.equal(body.counted, true);
    await s.app.committer.flush();
    const day = new Date().toISOString().slice(0, 10);
    const pages = await s.app.store.breakdown(c.id, "page", day, day, 10);
    assert.deepEqual(pages, [{ value: "/posts/1", hits: 1 }]);
    const refs = await s.app.store.breakdown(c.id, "ref", day, day, 10);
    assert.deepEqual(refs, [{ value: "news.example", hits: 1 }]);
  });

  it("image embeds take the page from the Referer", async () => {
    const c = await createCounter(s.url);
    await hit(s.url, c.id, "svg", { referer: "https://site.example/about?x=1#top" });
    const day = new Date().toISOString().slice(0, 10);
    assert.deepEqual(await s.app.store.breakdown(c.id, "page", day, day, 10), [{ value: "/about", hits: 1 }]);
  });

  it("unknown counters get a 404 picture or JSON error", async () => {
    const svg = await hit(s.url, "nosuchcounter1");
    assert.equal(svg.status, 404);
    assert.match(svg.headers.get("content-type") ?? "", /svg/);
    assert.match(await svg.text(), /not found/);
    const png = await hit(s.url, "nosuchcounter1", "png");
    assert.equal(png.status, 404);
    assert.equal(png.headers.get("content-type"), "image/png");
    const json = await hit(s.url, "nosuchcounter1", "json");
    assert.equal(json.status, 404);
    assert.equal((await json.json()).error.code, "not_found");
    assert.equal((await hit(s.url, "bad id!")).status, 404);
    assert.equal((await fetch(`${s.url}/c/abc.txt`)).status, 404);
  });

  it("text in SVG is escaped", async () => {
    const c = await createCounter(s.url, { label: "<script>alert(1)</script>" });
    const svg = await (await hit(s.url, c.id)).text();
    assert.ok(!svg.includes("<script>"));
    assert.match(svg, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    const q = await (await hit(s.url, c.id, "svg", { query: `label=${encodeURIComponent('"><img src=x>')}` })).text();
    assert.ok(!q.includes("<img"));
    const png = await hit(s.url, c.id, "png", { query: "label=%3Cb%3E%26" });
    assert.equal(png.status, 200);
  });
});
