// The live counter over HTTP on a real SQLite file: GET /c/{id}/live streams the figures as
// they change, coalesced, within its caps; "online" in the JSON figures and the badge.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authed, BROWSER_UA, createCounter, figures, hit, type Running, startApp } from "../helpers/server.js";
import { figuresOf, openSse } from "../helpers/sse.js";

let s: Running;
before(async () => {
  s = await startApp({ LIVE_MAX: "40", LIVE_MAX_PER_COUNTER: "3" });
});
after(() => s.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const liveUrl = (id: string) => `${s.url}/c/${id}/live`;

describe("live stream", () => {
  it("opens with the figures now, then sends a counted hit within 1 s and nothing for count=false", async () => {
    const c = await createCounter(s.url);
    await hit(s.url, c.id);
    const stream = await openSse(liveUrl(c.id));
    try {
      assert.equal(stream.status, 200);
      assert.match(String(stream.headers["content-type"]), /^text\/event-stream/);
      assert.equal(stream.headers["access-control-allow-origin"], "*");
      const first = await stream.next(() => true, 1000);
      assert.match(stream.text(), /^retry: \d+\n\n/);
      assert.deepEqual(figuresOf(first), { hits: 1, visitors: 1, today: { hits: 1, visitors: 1 }, online: 1 });

      const sent = Date.now();
      assert.equal((await hit(s.url, c.id, "svg", { ip: "203.0.113.9" })).headers.get("x-hit-counted"), "1");
      const e = await stream.next((x) => figuresOf(x).hits === 2, 1000, 1);
      assert.ok(e.at - sent < 1000, `arrived after ${e.at - sent} ms`);
      assert.equal(figuresOf(e).visitors, 2);
      assert.equal(figuresOf(e).online, 2);

      const before = stream.events.length;
      assert.equal((await hit(s.url, c.id, "svg", { query: "count=false" })).headers.get("x-hit-counted"), "0");
      await sleep(800);
      assert.equal(stream.events.length, before, "a count=false hit sent an event");
    } finally {
      stream.close();
    }
  });

  it("coalesces a burst to at most 4 events a second and ends on the exact count", async () => {
    const c = await createCounter(s.url);
    const stream = await openSse(liveUrl(c.id));
    try {
      await stream.next(() => true, 1000);
      const start = Date.now();
      const burst: Promise<Response>[] = [];
      for (let i = 0; i < 300; i++)
        burst.push(hit(s.url, c.id, "svg", { ip: `198.51.100.${i % 250}`, ua: `${BROWSER_UA} ${i}` }));
      const answers = await Promise.all(burst);
      const counted = answers.filter((r) => r.headers.get("x-hit-counted") === "1").length;
      const last = await stream.next((x) => figuresOf(x).hits === counted, 2000, 1);
      const during = stream.events.slice(1);
      const seconds = (last.at - start) / 1000;
      assert.ok(during.length <= Math.ceil(seconds * 4) + 1, `${during.length} events in ${seconds} s`);
      assert.ok(counted > 250, `only ${counted} of 300 counted`);
      assert.equal((await figures(s.url, c.id)).hits, counted);
    } finally {
      stream.close();
    }
  });

  it("refuses streams past LIVE_MAX_PER_COUNTER, LIVE_MAX and per address with 503", async () => {
    const c = await createCounter(s.url);
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await openSse(liveUrl(c.id), { "x-forwarded-for": `192.0.2.${i}` }));
    const refused = await openSse(liveUrl(c.id), { "x-forwarded-for": "192.0.2.99" });
    await sleep(100);
    assert.equal(refused.status, 503);
    assert.ok(refused.headers["retry-after"]);
    assert.match(refused.body(), /LIVE_MAX_PER_COUNTER/);
    for (const o of open) o.close();
    await sleep(200); // the server sees them closed

    // One address may hold 32 streams; the 33rd is refused though the server has room.
    const others = [];
    for (let i = 0; i < 11; i++) others.push(await createCounter(s.url));
    const mine = [];
    for (let i = 0; i < 32; i++) {
      const st = await openSse(liveUrl((others[i % 11] as { id: string }).id), { "x-forwarded-for": "192.0.2.200" });
      assert.equal(st.status, 200);
      mine.push(st);
    }
    const more = await openSse(liveUrl(c.id), { "x-forwarded-for": "192.0.2.200" });
    await sleep(100);
    assert.equal(more.status, 503);
    assert.match(more.body(), /one address/);
    // 32 open, LIVE_MAX is 40: eight more from other addresses, then the server is full.
    const rest = [];
    for (let i = 0; i < 8; i++) {
      const fresh = await createCounter(s.url);
      rest.push(await openSse(liveUrl(fresh.id), { "x-forwarded-for": `192.0.2.${50 + i}` }));
    }
    assert.ok(rest.every((r) => r.status === 200));
    const full = await openSse(liveUrl(c.id), { "x-forwarded-for": "192.0.2.100" });
    await sleep(100);
    assert.equal(full.status, 503);
    assert.match(full.body(), /LIVE_MAX\)/);
    for (const o of [...mine, ...rest]) o.close();
  });

  it("answers 404 for an unknown counter and tells a stream when its counter is deleted", async () => {
    const missing = await openSse(liveUrl("nosuchcounter"));
    await sleep(100);
    assert.equal(missing.status, 404);
    assert.match(missing.body(), /not_found/);

    const c = await createCounter(s.url);
    const stream = await openSse(liveUrl(c.id));
    await stream.next(() => true, 1000);
    assert.equal((await fetch(`${s.url}/api/counters/${c.id}`, { method: "DELETE", ...authed(c.token) })).status, 204);
    await stream.next((e) => e.event === "gone", 2000);
    stream.close();
  });
});

describe("online", () => {
  it("counts distinct visitors of the last five minutes in the JSON figures, the badge and the stats", async () => {
    const c = await createCounter(s.url, { public: true });
    await hit(s.url, c.id, "svg", { ip: "203.0.113.1" });
    await hit(s.url, c.id, "svg", { ip: "203.0.113.1" });
    await hit(s.url, c.id, "svg", { ip: "203.0.113.2" });
    const json = (await (await fetch(`${s.url}/c/${c.id}.json?count=false`)).json()) as { online: number };
    assert.equal(json.online, 2);
    const badge = await (await hit(s.url, c.id, "svg", { query: "show=online&count=false" })).text();
    assert.match(badge, /aria-label="online: 2"/);
    const digits = await (await hit(s.url, c.id, "svg", { query: "show=online&style=digits&count=false" })).text();
    assert.match(digits, /aria-label="2"/);
    const stats = (await (await fetch(`${s.url}/api/counters/${c.id}/stats`)).json()) as {
      rightNow: { visitors: number };
    };
    assert.equal(stats.rightNow.visitors, 2);
  });
});
