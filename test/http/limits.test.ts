// Every limit, over HTTP: request sizes, option counts, the 429s, security headers, CORS only
// where embeds need it, and no cookies anywhere.

import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { createCounter, hit, type Running, startApp } from "../helpers/server.js";

let s: Running;
before(async () => {
  s = await startApp({ REQUEST_RATE_PER_MINUTE: "40", CREATE_RATE_PER_HOUR: "3" });
});
after(() => s.close());

/** Each test speaks from its own address, so the per-address limits don't leak across tests. */
let nextAddress = 1;
const from = () => ({ "x-forwarded-for": `198.51.100.${nextAddress++}` });

async function json(r: Response) {
  const body = (await r.json()) as { error?: { code: string; message: string } };
  return body.error;
}

describe("limits", () => {
  it("requests per address per minute: 429 with Retry-After past the limit; health stays open", async () => {
    const h = from();
    let last: Response | undefined;
    for (let i = 0; i < 40; i++) {
      last = await fetch(`${s.url}/c/nosuchcounter1.json`, { headers: h });
      assert.notEqual(last.status, 429, `request ${i + 1} is within the limit`);
      await last.arrayBuffer();
    }
    const r = await fetch(`${s.url}/c/nosuchcounter1.json`, { headers: h });
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get("retry-after")) > 0);
    assert.match((await json(r))?.message ?? "", /40 requests per minute/);
    assert.equal((await fetch(`${s.url}/healthz`, { headers: h })).status, 200);
    // Another address is not affected.
    assert.equal((await fetch(`${s.url}/c/nosuchcounter1.json`, { headers: from() })).status, 404);
  });

  it("an image proxy's address may send more: it fetches for many viewers (GitHub's camo)", async () => {
    // Inside GitHub's published ranges (IMAGE_PROXY_RANGES' default).
    const h = { "x-forwarded-for": "140.82.112.40", "user-agent": "github-camo (876de43e)" };
    for (let i = 0; i < 60; i++) {
      const r = await fetch(`${s.url}/c/nosuchcounter1.svg`, { headers: h });
      assert.equal(r.status, 404, `request ${i + 1} of the proxy is within its limit`);
      await r.arrayBuffer();
    }
    // The same address with a browser's user-agent is held to the plain limit (its own count).
    const browser = { "x-forwarded-for": h["x-forwarded-for"], "user-agent": "Mozilla/5.0 Firefox/140.0" };
    let status = 0;
    for (let i = 0; i < 41 && status !== 429; i++) {
      const r = await fetch(`${s.url}/c/nosuchcounter1.svg`, { headers: browser });
      status = r.status;
      await r.arrayBuffer();
    }
    assert.equal(status, 429);
  });

  it("a camo user-agent from outside the image-proxy ranges is held to the plain limit", async () => {
    const h = { ...from(), "user-agent": "github-camo (876de43e)" };
    let status = 0;
    for (let i = 0; i < 41 && status !== 429; i++) {
      const r = await fetch(`${s.url}/c/nosuchcounter1.svg`, { headers: h });
      status = r.status;
      await r.arrayBuffer();
    }
    assert.equal(status, 429);
  });

  it("counters created per address per hour: 429 past the limit", async () => {
    const h = { ...from(), "content-type": "application/json" };
    for (let i = 0; i < 3; i++) {
      assert.equal((await fetch(`${s.url}/api/counters`, { method: "POST", headers: h, body: "{}" })).status, 201);
    }
    const r = await fetch(`${s.url}/api/counters`, { method: "POST", headers: h, body: "{}" });
    assert.equal(r.status, 429);
    assert.match((await json(r))?.message ?? "", /3 counters per hour/);
  });

  it("sizes and counts: long ids, labels, too many options, big bodies and headers are refused with 4xx", async () => {
    const c = await createCounter(s.url, {}).catch(() => undefined);
    const id = c?.id ?? "x";
    const h = from();
    const long = await fetch(`${s.url}/c/${"a".repeat(200)}.svg`, { headers: h });
    assert.ok(long.status === 404 || long.status === 414 || long.status === 400, String(long.status));
    const label = await fetch(`${s.url}/c/${id}.svg?label=${"x".repeat(65)}`, { headers: h });
    assert.equal(label.status, 400);
    assert.match((await json(label))?.message ?? "", /label/);
    const many = Array.from({ length: 13 }, (_, i) => `v=${i}`).join("&");
    const opts = await fetch(`${s.url}/c/${id}.svg?${many}`, { headers: h });
    assert.equal(opts.status, 400);
    const body = await fetch(`${s.url}/api/hit`, {
      method: "POST",
      headers: { ...h, "content-type": "text/plain" },
      body: "x".repeat(20_000),
    });
    assert.equal(body.status, 413);
    const bigHeader = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${s.url}/c/${id}.svg`);
      const req = request({
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        headers: { "x-big": "y".repeat(40_000) },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(bigHeader, 431);
  });

  it("security headers everywhere; strict CSP and no framing on HTML; CORS only on public routes", async () => {
    const h = from();
    const page = await fetch(`${s.url}/`, { headers: h });
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.match(page.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    assert.equal(page.headers.get("x-frame-options"), "DENY");
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    assert.equal(page.headers.get("access-control-allow-origin"), null);

    const c = await createCounter(s.url);
    const svg = await hit(s.url, c.id, "svg", { headers: h });
    assert.equal(svg.headers.get("x-content-type-options"), "nosniff");
    assert.match(svg.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.equal((await hit(s.url, c.id, "json", { headers: h })).headers.get("access-control-allow-origin"), "*");
    const api = await fetch(`${s.url}/api/counters/${c.id}`, { headers: { ...h, authorization: `Bearer ${c.token}` } });
    assert.equal(api.status, 200);
    assert.equal(api.headers.get("access-control-allow-origin"), null, "management API is not CORS-open");
  });

  it("no counting route sets a cookie", async () => {
    const c = await createCounter(s.url);
    const h = from();
    const answers = [
      ...(await Promise.all(["svg", "png", "gif", "json"].map((ext) => hit(s.url, c.id, ext, { headers: h })))),
      await fetch(`${s.url}/counter.js`, { headers: h }),
      await fetch(`${s.url}/api/hit`, {
        method: "POST",
        headers: { ...h, "content-type": "text/plain", "user-agent": "Mozilla/5.0 Firefox/130.0" },
        body: JSON.stringify({ counter: c.id, path: "/" }),
      }),
    ];
    for (const r of answers) {
      assert.ok(r.status < 400, String(r.status));
      assert.equal(r.headers.get("set-cookie"), null, r.url);
    }
  });
});
