// One test per "not counted" rule, over HTTP: each answers the picture, X-Hit-Counted: 0,
// the reason in X-Hit-Reason, and counts the reason in /metrics.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authed, createCounter, figures, hit, type Running, startApp } from "../helpers/server.js";

let s: Running;
before(async () => {
  s = await startApp({ HIT_RATE_PER_MINUTE: "5" });
});
after(() => s.close());

async function metric(reason: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const m = text.match(new RegExp(`hitcounter_hits_not_counted_total\\{reason="${reason}"\\} (\\d+)`));
  return Number(m?.[1] ?? Number.NaN);
}

async function expectDropped(r: Response, reason: string) {
  assert.equal(r.status, 200);
  assert.match(await r.text(), /^<svg/);
  assert.equal(r.headers.get("x-hit-counted"), "0");
  assert.equal(r.headers.get("x-hit-reason"), reason);
}

describe("what counts as a hit", () => {
  it("bots, crawlers and empty user-agents are not counted", async () => {
    const c = await createCounter(s.url);
    const before = await metric("bot");
    await expectDropped(
      await hit(s.url, c.id, "svg", { ua: "Googlebot/2.1 (+http://www.google.com/bot.html)" }),
      "bot",
    );
    await expectDropped(await hit(s.url, c.id, "svg", { ua: "" }), "bot");
    await expectDropped(
      await hit(s.url, c.id, "svg", {
        ua: "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
      }),
      "bot",
    );
    assert.equal((await figures(s.url, c.id)).hits, 0);
    assert.equal(await metric("bot"), before + 3);
  });

  it("a person's curl is counted", async () => {
    const c = await createCounter(s.url);
    const r = await hit(s.url, c.id, "svg", { ua: "curl/8.5.0" });
    assert.equal(r.headers.get("x-hit-counted"), "1");
  });

  it("repeats within the dedupe window are not counted (off by default)", async () => {
    const c = await createCounter(s.url);
    const page = "https://a.example/p";
    assert.equal((await hit(s.url, c.id, "svg", { referer: page, ip: "10.0.0.1" })).headers.get("x-hit-counted"), "1");
    assert.equal((await hit(s.url, c.id, "svg", { referer: page, ip: "10.0.0.1" })).headers.get("x-hit-counted"), "1");
    await fetch(`${s.url}/api/counters/${c.id}`, { method: "PATCH", ...authed(c.token, { dedupeSeconds: 60 }) });
    const before = await metric("dedupe");
    assert.equal((await hit(s.url, c.id, "svg", { referer: page, ip: "10.0.0.1" })).headers.get("x-hit-counted"), "1");
    await expectDropped(await hit(s.url, c.id, "svg", { referer: page, ip: "10.0.0.1" }), "dedupe");
    // another page, or another visitor, is not a repeat
    const other = await hit(s.url, c.id, "svg", { referer: "https://a.example/q", ip: "10.0.0.1" });
    assert.equal(other.headers.get("x-hit-counted"), "1");
    assert.equal((await hit(s.url, c.id, "svg", { referer: page, ip: "10.0.0.2" })).headers.get("x-hit-counted"), "1");
    assert.equal(await metric("dedupe"), before + 1);
    assert.equal((await figures(s.url, c.id)).hits, 5);
  });

  it("hits from outside the allowed origins are not counted", async () => {
    const c = await createCounter(s.url, { origins: ["https://Blog.Example.com/"] });
    const ok = await hit(s.url, c.id, "svg", { referer: "https://blog.example.com/post" });
    assert.equal(ok.headers.get("x-hit-counted"), "1");
    const sub = await hit(s.url, c.id, "svg", { referer: "https://www.blog.example.com/post" });
    assert.equal(sub.headers.get("x-hit-counted"), "1");
    await expectDropped(await hit(s.url, c.id, "svg", { referer: "https://evil.example/post" }), "origin");
    await expectDropped(await hit(s.url, c.id, "svg", { referer: "https://notblog.example.com/" }), "origin");
    await expectDropped(await hit(s.url, c.id, "svg", { origin: "https://evil.example" }), "origin");
    await expectDropped(await hit(s.url, c.id, "svg"), "origin");
    assert.equal((await figures(s.url, c.id)).hits, 2);
  });

  it("a visitor past the per-counter rate is served but not counted", async () => {
    const c = await createCounter(s.url);
    for (let i = 0; i < 5; i++) {
      assert.equal((await hit(s.url, c.id, "svg", { ip: "10.1.1.1" })).headers.get("x-hit-counted"), "1");
    }
    await expectDropped(await hit(s.url, c.id, "svg", { ip: "10.1.1.1" }), "rate");
    // someone else is not affected
    assert.equal((await hit(s.url, c.id, "svg", { ip: "10.1.1.2" })).headers.get("x-hit-counted"), "1");
    assert.equal((await figures(s.url, c.id)).hits, 6);
  });

  it("GitHub's camo is counted like a viewer: not a bot, not rate-capped", async () => {
    const c = await createCounter(s.url, { origins: ["github.com"] });
    for (let i = 0; i < 8; i++) {
      const r = await hit(s.url, c.id, "svg", { ua: "github-camo (876de43e)", ip: "140.82.115.1" });
      assert.equal(r.headers.get("x-hit-counted"), "1");
    }
    assert.equal((await figures(s.url, c.id)).hits, 8);
  });

  it("DNT / Sec-GPC are honoured when the owner enables it", async () => {
    const c = await createCounter(s.url);
    const dnt = { headers: { dnt: "1" } };
    assert.equal((await hit(s.url, c.id, "svg", dnt)).headers.get("x-hit-counted"), "1");
    await fetch(`${s.url}/api/counters/${c.id}`, {
      method: "PATCH",
      ...authed(c.token, { honorPrivacySignals: true }),
    });
    await expectDropped(await hit(s.url, c.id, "svg", dnt), "privacy");
    await expectDropped(await hit(s.url, c.id, "svg", { headers: { "sec-gpc": "1" } }), "privacy");
  });
});

describe("unique visitors", () => {
  it("one visitor per (address, user-agent) per day, no cookies", async () => {
    const c = await createCounter(s.url);
    const a = await hit(s.url, c.id, "svg", { ip: "10.2.0.1" });
    assert.equal(a.headers.get("set-cookie"), null);
    await hit(s.url, c.id, "svg", { ip: "10.2.0.1" });
    await hit(s.url, c.id, "svg", { ip: "10.2.0.2" });
    await hit(s.url, c.id, "svg", {
      ip: "10.2.0.1",
      ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile Safari/604.1",
    });
    const f = await figures(s.url, c.id);
    assert.equal(f.hits, 4);
    assert.equal(f.visitors, 3);
    assert.equal(f.today.visitors, 3);
  });

  it("the same visitor counts once per counter, separately on each counter", async () => {
    const c1 = await createCounter(s.url);
    const c2 = await createCounter(s.url);
    await hit(s.url, c1.id, "svg", { ip: "10.3.0.1" });
    await hit(s.url, c2.id, "svg", { ip: "10.3.0.1" });
    assert.equal((await figures(s.url, c1.id)).visitors, 1);
    assert.equal((await figures(s.url, c2.id)).visitors, 1);
  });
});
