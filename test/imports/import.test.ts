// Imports over the real server and SQLite file, from real files written by each source's
// documented format: a GoatCounter export (version 2), a combined-format access log (plain
// and gzip) and daily totals, read back through the stats API with the exact figures.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { authed, createCounter, type Running, startApp } from "../helpers/server.js";

let s: Running;
before(async () => {
  s = await startApp();
});
after(() => s.close());

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0";
const CHROME =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
const GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

async function importFile(id: string, token: string, format: string, body: string | Buffer, extra = "") {
  const r = await fetch(`${s.url}/api/counters/${id}/import?format=${format}${extra}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function daily(id: string, token: string, from: string, to: string) {
  const r = await fetch(`${s.url}/api/counters/${id}/stats?from=${from}&to=${to}`, authed(token));
  const j = (await r.json()) as { series: { bucket: string; hits: number; visitors: number }[] };
  return Object.fromEntries(j.series.filter((p) => p.hits > 0).map((p) => [p.bucket, [p.hits, p.visitors]]));
}

async function top(id: string, token: string, from: string, to: string, dim: string) {
  const r = await fetch(
    `${s.url}/api/counters/${id}/breakdowns?from=${from}&to=${to}&dim=${dim}&limit=20`,
    authed(token),
  );
  const j = (await r.json()) as Record<string, { value: string; hits: number }[]>;
  return Object.fromEntries((j[dim] ?? []).map((x) => [x.value, x.hits]));
}

/** A combined-format line. */
const line = (ip: string, when: string, req: string, status: number, ref: string, ua: string) =>
  `${ip} - - [${when}] "${req}" ${status} 512 "${ref}" "${ua}"`;

describe("imports", () => {
  it("a GoatCounter export: days in the counter's time zone, pages, referrers, browsers, systems, countries", async () => {
    const c = await createCounter(s.url, { timeZone: "America/New_York" });
    const rows = [
      "2Path,Title,Event,User-Agent,Browser,System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,FirstVisit,Date",
      // 2026-10-01 evening in New York, though already 2026-10-02 in UTC.
      `/blog/a,A,false,,Firefox 130,Linux,s1,0,news.ycombinator.com/item?id=1,h,"1920,1080,1",US-NY,true,2026-10-02T01:30:00Z`,
      `/blog/a,A,false,,Firefox 130,Linux,s1,0,,,"1920,1080,1",US-NY,false,2026-10-02T01:40:00Z`,
      `/blog/b,B,false,,Chrome 126,Windows 10,s2,0,Hacker News,g,"390,844,3",DE,true,2026-10-02T02:00:00Z`,
      // 2026-10-02 in New York.
      `/blog/a,A,false,,Safari 17,macOS 14,s3,0,"www.example.org/links?x=1",h,"1440,900,2",FR,true,2026-10-02T15:00:00Z`,
      `/blog/a,A,false,,Firefox 130,Linux,s1,0,,,"1920,1080,1",US-NY,false,2026-10-02T16:00:00Z`,
      // Skipped: an event, a bot, a malformed date.
      `signup-click,Sign up,true,,Firefox 130,Linux,s1,0,,,"1920,1080,1",US,false,2026-10-02T16:01:00Z`,
      `/blog/a,A,false,,Chrome 126,Linux,s9,4,,,"1920,1080,1",US,true,2026-10-02T16:02:00Z`,
      `/blog/c,C,false,,Chrome 126,Linux,s8,0,,,"1920,1080,1",US,true,yesterday`,
    ];
    const r = await importFile(c.id, c.token, "goatcounter", `${rows.join("\n")}\n`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(
      { read: r.body.read, imported: r.body.imported, skipped: r.body.skipped },
      { read: 8, imported: 5, skipped: { event: 1, bot: 1, malformed: 1 } },
    );
    assert.deepEqual(r.body.errors, [
      { line: 7, reason: "event" },
      { line: 9, reason: "malformed" },
    ]);
    // Visitors: sessions per day (s1 and s2 on the 1st; s3 and s1 again on the 2nd).
    assert.deepEqual(await daily(c.id, c.token, "2026-09-30", "2026-10-03"), {
      "2026-10-01": [3, 2],
      "2026-10-02": [2, 2],
    });
    assert.deepEqual(await top(c.id, c.token, "2026-10-01", "2026-10-02", "pages"), { "/blog/a": 4, "/blog/b": 1 });
    assert.deepEqual(await top(c.id, c.token, "2026-10-01", "2026-10-02", "referrers"), {
      "news.ycombinator.com": 1,
      "Hacker News": 1,
      "www.example.org": 1,
    });
    assert.deepEqual(await top(c.id, c.token, "2026-10-01", "2026-10-02", "browsers"), {
      Firefox: 3,
      Chrome: 1,
      Safari: 1,
    });
    assert.deepEqual(await top(c.id, c.token, "2026-10-01", "2026-10-02", "os"), { Linux: 3, Windows: 1, "Mac OS": 1 });
    assert.deepEqual(await top(c.id, c.token, "2026-10-01", "2026-10-02", "countries"), { US: 3, DE: 1, FR: 1 });
    assert.deepEqual(await top(c.id, c.token, "2026-10-01", "2026-10-02", "devices"), { desktop: 4, mobile: 1 });
    const counter = (await (await fetch(`${s.url}/api/counters/${c.id}`, authed(c.token))).json()) as {
      hits: number;
      visitors: number;
    };
    assert.deepEqual([counter.hits, counter.visitors], [5, 4]);
  });

  it("an access log, gzip: bots, static files, 404s and POSTs skipped; hits and visitors per day and page", async () => {
    const c = await createCounter(s.url, { timeZone: "Europe/Berlin" });
    const log = [
      line("203.0.113.1", "01/Oct/2026:09:00:00 +0200", "GET /about HTTP/1.1", 200, "https://www.google.com/", FIREFOX),
      line("203.0.113.1", "01/Oct/2026:09:05:00 +0200", "GET /about?utm=x HTTP/1.1", 304, "-", FIREFOX),
      line("203.0.113.1", "01/Oct/2026:09:05:01 +0200", "GET /style.css HTTP/1.1", 200, "-", FIREFOX),
      line("203.0.113.2", "01/Oct/2026:10:00:00 +0200", "GET / HTTP/1.1", 200, "https://my.site/", CHROME),
      line("203.0.113.2", "01/Oct/2026:10:00:05 +0200", "GET /missing HTTP/1.1", 404, "-", CHROME),
      line("203.0.113.2", "01/Oct/2026:10:00:09 +0200", "POST /contact HTTP/1.1", 200, "-", CHROME),
      line("66.249.66.1", "01/Oct/2026:11:00:00 +0200", "GET /about HTTP/1.1", 200, "-", GOOGLEBOT),
      "this is no log line",
      // 23:30 UTC on the 1st is already the 2nd in Berlin.
      line("203.0.113.1", "01/Oct/2026:23:30:00 +0000", "GET / HTTP/1.1", 200, "-", FIREFOX),
      line("203.0.113.3", "02/Oct/2026:08:00:00 +0200", "GET /about HTTP/2.0", 200, "-", FIREFOX),
    ];
    const body = gzipSync(`${log.join("\n")}\n`);
    const r = await importFile(c.id, c.token, "log", body, "&site=my.site");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(
      { read: r.body.read, imported: r.body.imported, skipped: r.body.skipped },
      { read: 10, imported: 5, skipped: { static: 1, status: 1, method: 1, bot: 1, malformed: 1 } },
    );
    assert.deepEqual(r.body.errors, [
      { line: 5, reason: "status" },
      { line: 6, reason: "method" },
      { line: 8, reason: "malformed" },
    ]);
    assert.deepEqual(await daily(c.id, c.token, "2026-09-30", "2026-10-03"), {
      "2026-10-01": [3, 2],
      "2026-10-02": [2, 2],
    });
    assert.deepEqual(await top(c.id, c.token, "2026-10-01", "2026-10-01", "pages"), { "/about": 2, "/": 1 });
    assert.deepEqual(await top(c.id, c.token, "2026-10-02", "2026-10-02", "pages"), { "/": 1, "/about": 1 });
    // my.site is the site itself: a move within it, no referrer.
    assert.deepEqual(await top(c.id, c.token, "2026-10-01", "2026-10-02", "referrers"), { "www.google.com": 1 });

    // The same file again: refused, nothing counted twice.
    const again = await importFile(c.id, c.token, "log", body, "&site=my.site");
    assert.equal(again.status, 409);
    assert.equal((again.body.error as { code: string }).code, "already_imported");
    assert.deepEqual(await daily(c.id, c.token, "2026-09-30", "2026-10-03"), {
      "2026-10-01": [3, 2],
      "2026-10-02": [2, 2],
    });
  });

  it("a large log (read on two threads past its first 4 MB) gives the exact figures and line numbers", async () => {
    const c = await createCounter(s.url);
    const lines: string[] = [];
    const want = new Map<string, { hits: number; visitors: Set<string> }>();
    // 60,000 lines (about 11 MB) over three days from 3,000 addresses with two browsers each.
    for (let i = 0; i < 60_000; i++) {
      const day = 1 + Math.floor(i / 20_000);
      const ip = `198.51.${Math.floor((i % 3000) / 250)}.${i % 250}`;
      const ua = i % 7 === 0 ? CHROME : FIREFOX;
      const time = `${String(day).padStart(2, "0")}/Oct/2026:${String(Math.floor(i / 1000) % 24).padStart(2, "0")}:00:00 +0000`;
      const path = i % 10 === 0 ? "/app.js" : `/p/${i % 50}`;
      lines.push(line(ip, time, `GET ${path} HTTP/1.1`, 200, "-", ua));
      if (path === "/app.js") continue;
      const key = `2026-10-0${day}`;
      const w = want.get(key) ?? { hits: 0, visitors: new Set() };
      w.hits++;
      w.visitors.add(`${ip} ${ua}`);
      want.set(key, w);
    }
    lines[55_001] = "broken line"; // it replaced a counted line (not /app.js) of day 3
    (want.get("2026-10-03") as { hits: number }).hits--;
    const r = await importFile(c.id, c.token, "log", `${lines.join("\n")}\n`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.errors, [{ line: 55_002, reason: "malformed" }]);
    assert.deepEqual((r.body.skipped as Record<string, number>).malformed, 1);
    const got = await daily(c.id, c.token, "2026-09-30", "2026-10-04");
    // The replaced line's visitor still has other lines that day: visitors stay as built.
    assert.deepEqual(got, Object.fromEntries([...want].map(([d, w]) => [d, [w.hits, w.visitors.size]])));
  });

  it("daily totals from CSV, with and without pages", async () => {
    const c = await createCounter(s.url);
    const csv =
      "date,hits,visitors,page\n2026-09-01,10,4\n2026-09-02,5,2,/a\n2026-09-02,3,1,/b\n2026-09-31,1,1\n2026-13-01,1,1\n";
    const r = await importFile(c.id, c.token, "csv", csv);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.read, r.body.imported, r.body.skipped], [5, 3, { malformed: 2 }]);
    assert.deepEqual(await daily(c.id, c.token, "2026-08-30", "2026-09-05"), {
      "2026-09-01": [10, 4],
      "2026-09-02": [8, 3],
    });
    assert.deepEqual(await top(c.id, c.token, "2026-09-02", "2026-09-02", "pages"), { "/a": 5, "/b": 3 });
  });

  it("a file that breaks off is not half imported; bad requests are refused with a message", async () => {
    const c = await createCounter(s.url);
    const good = gzipSync(
      `${line("203.0.113.1", "01/Oct/2026:09:00:00 +0000", "GET / HTTP/1.1", 200, "-", FIREFOX)}\n`.repeat(50),
    );
    const broken = good.subarray(0, good.length - 12);
    const r = await importFile(c.id, c.token, "log", Buffer.concat([broken, Buffer.from("garbage!")]));
    assert.equal(r.status, 400);
    assert.equal((r.body.error as { code: string }).code, "bad_import");
    assert.deepEqual(await daily(c.id, c.token, "2026-09-30", "2026-10-02"), {});
    const old = await importFile(c.id, c.token, "goatcounter", "1Path,Title,Event\n/a,A,false\n");
    assert.equal(old.status, 400);
    assert.match((old.body.error as { message: string }).message, /version 1/);
    const wrong = await fetch(`${s.url}/api/counters/${c.id}/import?format=log`, {
      method: "POST",
      headers: { authorization: "Bearer nope" },
      body: "x",
    });
    assert.equal(wrong.status, 401);
    assert.equal((await importFile(c.id, c.token, "xml", "x")).status, 400);
    assert.equal((await importFile(c.id, c.token, "log", "")).status, 400);
  });
});
