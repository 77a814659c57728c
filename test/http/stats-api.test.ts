// The stats API over HTTP: series by hour and by day in the counter's own time zone, totals,
// breakdowns with shares, export, and who may read what.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authed, BROWSER_UA, createCounter, hit, type Running, startApp } from "../helpers/server.js";

// 2026-11-24 20:10 UTC is 2026-11-25 01:40 in Kolkata (UTC+5:30).
const NOW = Date.parse("2026-11-24T20:10:00Z");
let s: Running;
before(async () => {
  s = await startApp({}, { now: () => NOW });
});
after(() => s.close());

describe("stats API", () => {
  it("series, totals and breakdowns follow the counter's time zone (half-hour zones too)", async () => {
    const c = await createCounter(s.url, { label: "kolkata" });
    await fetch(`${s.url}/api/counters/${c.id}`, { method: "PATCH", ...authed(c.token, { timeZone: "Asia/Kolkata" }) });
    for (const [i, page] of ["/a", "/a", "/b"].entries()) {
      await hit(s.url, c.id, "gif", { ip: `192.0.2.${i % 2}`, referer: `https://blog.example${page}` });
    }
    const r = await fetch(`${s.url}/api/counters/${c.id}/stats`, authed(c.token));
    assert.equal(r.status, 200);
    const st = await r.json();
    assert.equal(st.to, "2026-11-25", "today in Kolkata");
    assert.equal(st.granularity, "day");
    assert.equal(st.series.length, 30);
    assert.deepEqual(st.series.at(-1), { bucket: "2026-11-25", hits: 3, visitors: 2 });
    assert.deepEqual(st.totals.today, { hits: 3, visitors: 2 });
    assert.deepEqual(st.totals.last7, { hits: 3, visitors: 2 });
    assert.equal(st.rightNow.visitors, 2);

    const hourly = await (
      await fetch(`${s.url}/api/counters/${c.id}/stats?from=2026-11-24&to=2026-11-25`, authed(c.token))
    ).json();
    assert.equal(hourly.granularity, "hour");
    assert.equal(hourly.series.length, 48);
    assert.deepEqual(
      hourly.series.filter((p: { hits: number }) => p.hits > 0),
      [{ bucket: "2026-11-25T01", hits: 3, visitors: 2 }],
    );

    const b = await (await fetch(`${s.url}/api/counters/${c.id}/breakdowns`, authed(c.token))).json();
    assert.deepEqual(b.pages, [
      { value: "/a", hits: 2, share: 2 / 3 },
      { value: "/b", hits: 1, share: 1 / 3 },
    ]);
    const one = await (await fetch(`${s.url}/api/counters/${c.id}/breakdowns?dim=browsers`, authed(c.token))).json();
    assert.deepEqual(Object.keys(one), ["from", "to", "browsers"]);
  });

  it("referrers by host, with the full referring URL (no query) beside them; same-site moves are not referrals", async () => {
    const c = await createCounter(s.url);
    const report = (referrer: string) =>
      fetch(`${s.url}/api/hit`, {
        method: "POST",
        headers: { "content-type": "text/plain", referer: "https://blog.example/post", "user-agent": BROWSER_UA },
        body: JSON.stringify({ counter: c.id, path: "/post", referrer }),
      });
    for (const ref of [
      "https://news.example/item?id=42",
      "https://news.example/item?id=43#top",
      "https://news.example/new",
      "https://search.example/",
      "https://blog.example/other-post",
      "",
    ]) {
      assert.equal((await report(ref)).headers.get("x-hit-counted"), "1");
    }
    const b = await (await fetch(`${s.url}/api/counters/${c.id}/breakdowns`, authed(c.token))).json();
    assert.deepEqual(
      b.referrers.map((x: { value: string; hits: number }) => [x.value, x.hits]),
      [
        ["news.example", 3],
        ["search.example", 1],
      ],
    );
    assert.deepEqual(
      b.referrerUrls.map((x: { value: string; hits: number }) => [x.value, x.hits]),
      [
        ["news.example/item", 2],
        ["news.example/new", 1],
        ["search.example/", 1],
      ],
    );
  });

  it("export as CSV and JSON", async () => {
    const c = await createCounter(s.url);
    await hit(s.url, c.id, "gif", { referer: "https://blog.example/=cmd()" });
    const csv = await fetch(`${s.url}/api/counters/${c.id}/export.csv?from=2026-11-20&to=2026-11-24`, authed(c.token));
    assert.match(csv.headers.get("content-type") ?? "", /text\/csv/);
    assert.match(csv.headers.get("content-disposition") ?? "", /attachment/);
    const text = await csv.text();
    assert.match(text, /^date,hits,visitors\n"2026-11-20","0","0"\n/);
    assert.match(text, /"2026-11-24","1","1"/);
    assert.match(text, /"pages","\/=cmd\(\)","1"/);
    const json = await (
      await fetch(`${s.url}/api/counters/${c.id}/export.json?from=2026-11-24&to=2026-11-24`, authed(c.token))
    ).json();
    assert.deepEqual(json.daily, [{ bucket: "2026-11-24", hits: 1, visitors: 1 }]);
    assert.equal(json.breakdowns.pages[0].value, "/=cmd()");
  });

  it("private stats need the token; public stats don't; a wrong token is refused either way", async () => {
    const priv = await createCounter(s.url);
    const pub = await createCounter(s.url, { public: true });
    for (const path of ["stats", "breakdowns", "export.csv"]) {
      assert.equal((await fetch(`${s.url}/api/counters/${priv.id}/${path}`)).status, 401, path);
      assert.equal((await fetch(`${s.url}/api/counters/${priv.id}/${path}`, authed(pub.token))).status, 401, path);
      assert.equal((await fetch(`${s.url}/api/counters/${priv.id}/${path}`, authed(priv.token))).status, 200, path);
      assert.equal((await fetch(`${s.url}/api/counters/${pub.id}/${path}`)).status, 200, path);
      assert.equal((await fetch(`${s.url}/api/counters/${pub.id}/${path}`, authed(priv.token))).status, 401, path);
    }
  });

  it("bad ranges and options are 400s with a message", async () => {
    const c = await createCounter(s.url, { public: true });
    for (const q of [
      "from=2026-13-01",
      "from=yesterday",
      "from=2026-11-24&to=2026-11-01",
      "from=2020-01-01&to=2026-01-01",
      "limit=0",
      "limit=x",
      "dim=passwords",
    ]) {
      const r = await fetch(`${s.url}/api/counters/${c.id}/breakdowns?${q}`);
      assert.equal(r.status, 400, q);
      assert.ok(((await r.json()) as { error: { message: string } }).error.message.length > 5);
    }
    assert.equal((await fetch(`${s.url}/api/counters/${c.id}/export.exe`)).status, 400);
  });
});
