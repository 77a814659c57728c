// A flood against one server: 200,000 counted hits with random page paths and referrers on one
// counter, and 50,000 requests for random unknown counters. Memory and the data folder must stay
// within stated bounds: breakdowns are capped per counter (the rest counted as "(other)"), and
// unknown ids are answered from a bounded negative cache.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { OTHER } from "../../src/store/caps.js";
import { BROWSER_UA, createCounter, figures, freePort, spawnServer, tempDir } from "../helpers/server.js";

const HITS = 200_000;
const UNKNOWN = 50_000;
const CONCURRENCY = 50;
/** Stated bounds: resident memory may grow by at most this much over the whole flood… */
const MAX_RSS_GROWTH_MB = 200;
/** …and the data folder (SQLite files with their WAL, and the journal) may hold at most this much. */
const MAX_DATA_MB = 64;
const CAP = 10_000;

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
/** Every file under the folder, the journal's segments included. */
const dirMb = (dir: string) =>
  readdirSync(dir, { recursive: true })
    .map((f) => statSync(join(dir, String(f))))
    .reduce((s, st) => s + (st.isFile() ? st.size : 0), 0) /
  2 ** 20;

describe("flood", () => {
  it("random paths, referrers and unknown ids stay within memory and disk bounds", async (ctx) => {
    const data = tempDir();
    const server = await spawnServer(
      {
        HITCOUNTER_DATA: data,
        TRUST_PROXY: "1",
        LOG_LEVEL: "warn",
        HIT_RATE_PER_MINUTE: "100000000",
        REQUEST_RATE_PER_MINUTE: "100000000",
      },
      freePort(),
    );
    const pid = server.proc.pid as number;
    try {
      const c = await createCounter(server.url);
      const rand = () => Math.random().toString(36).slice(2);
      // Warm up (JIT, caches, first allocations) before taking the memory baseline.
      for (let i = 0; i < 500; i++) await (await fetch(`${server.url}/c/${c.id}.json?count=false`)).arrayBuffer();
      const rss0 = rssMb(pid);

      let sent = 0;
      let counted = 0;
      const worker = async (w: number) => {
        while (sent < HITS) {
          const n = sent++;
          const headers = { "user-agent": BROWSER_UA, "x-forwarded-for": `10.77.${w}.${n % 200}` };
          // Half image hits (page from the Referer), half script reports (page and referrer).
          const r =
            n % 2 === 0
              ? await fetch(`${server.url}/c/${c.id}.gif`, {
                  headers: { ...headers, referer: `https://site.example/${rand()}/${rand()}` },
                })
              : await fetch(`${server.url}/api/hit`, {
                  method: "POST",
                  headers: { ...headers, "content-type": "text/plain" },
                  body: JSON.stringify({ counter: c.id, path: `/${rand()}`, referrer: `https://${rand()}.example/` }),
                });
          await r.arrayBuffer();
          if (r.headers.get("x-hit-counted") === "1") counted++;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
      let unknown = 0;
      const prober = async () => {
        while (unknown < UNKNOWN) {
          unknown++;
          const r = await fetch(`${server.url}/c/${rand()}${rand()}.svg`, { headers: { "user-agent": BROWSER_UA } });
          await r.arrayBuffer();
          assert.equal(r.status, 404);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, prober));

      const rss1 = rssMb(pid);
      assert.equal(counted, HITS, "every flood hit was counted");
      assert.equal((await figures(server.url, c.id)).hits, HITS);
      server.proc.kill("SIGTERM");
      assert.equal(await server.exited, 0);
      const size = dirMb(data);

      const db = new Database(join(data, "hitcounter.db"), { readonly: true });
      const distinct = (dim: string) =>
        db.prepare("SELECT COUNT(DISTINCT value) AS n FROM dims WHERE counter_id = ? AND dim = ?").get(c.id, dim) as {
          n: number;
        };
      const total = (dim: string) =>
        (db.prepare("SELECT SUM(hits) AS n FROM dims WHERE counter_id = ? AND dim = ?").get(c.id, dim) as { n: number })
          .n;
      const other = (dim: string) =>
        (
          db
            .prepare("SELECT SUM(hits) AS n FROM dims WHERE counter_id = ? AND dim = ? AND value = ?")
            .get(c.id, dim, OTHER) as {
            n: number;
          }
        ).n;
      const pages = distinct("page").n;
      const refs = distinct("ref").n;
      ctx.diagnostic(
        `rss ${rss0.toFixed(0)} -> ${rss1.toFixed(0)} MB; data ${size.toFixed(1)} MB; pages ${pages} (other ${other("page")}), referrers ${refs} (other ${other("ref")})`,
      );
      assert.ok(pages <= CAP + 1, `distinct pages ${pages}`);
      assert.ok(refs <= CAP + 1, `distinct referrers ${refs}`);
      assert.equal(total("page"), HITS, "every hit is in the page breakdown, capped ones as (other)");
      assert.ok(other("page") > 0 && other("ref") > 0);
      db.close();
      assert.ok(rss1 - rss0 < MAX_RSS_GROWTH_MB, `memory grew ${(rss1 - rss0).toFixed(0)} MB`);
      assert.ok(size < MAX_DATA_MB, `data folder holds ${size.toFixed(1)} MB`);
    } finally {
      if (server.proc.exitCode === null) server.proc.kill("SIGKILL");
    }
  });
});
