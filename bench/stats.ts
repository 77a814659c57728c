// Stats API latency on the embedded store: a counter holding one year of hourly data and 10,000
// distinct pages (generated here, straight into a fresh SQLite store), then the series and
// breakdown endpoints are timed over HTTP against the real server. Prints p50/p95 per query.

import { DEFAULT_SETTINGS } from "../src/counters/settings.js";
import { hashToken } from "../src/counters/tokens.js";
import { openSqlite } from "../src/store/sqlite/index.js";
import { addDays } from "../src/time/zone.js";
import { batchOf, type EntrySpec } from "../test/helpers/batch.js";
import { SERVE, startNode, stop, tempDir, waitHttp } from "./harness.js";

const PORT = 8190;
const PAGES = 10_000;
const TOKEN = "bench-token-bench-token-bench-token-bench-t";
const REQUESTS = 200;
const CONCURRENCY = 4;

async function generate(dataDir: string, lastDay: string): Promise<string> {
  const store = openSqlite({ dataDir });
  const id = "benchstats01";
  await store.createCounter({
    id,
    ...DEFAULT_SETTINGS,
    tokenHash: hashToken(TOKEN),
    label: "a busy blog",
    createdAt: Date.now(),
    hits: 0,
    visitors: 0,
    revision: 0,
    blocked: false,
  });
  const browsers = ["Chrome", "Firefox", "Safari", "Edge"];
  const countries = ["US", "DE", "IN", "BR", "JP", "FR"];
  let page = 0;
  for (let d = 364; d >= 0; d--) {
    const day = addDays(lastDay, -d);
    const entries: EntrySpec[] = [];
    for (let h = 0; h < 24; h++) {
      const hour = `${day}T${String(h).padStart(2, "0")}`;
      const hits = 20 + ((h * 7 + d) % 30);
      const dims: [string, string, number][] = [];
      const visitors = new Set<string>();
      for (let i = 0; i < hits; i++) {
        // Pages walk through all 10,000 over the year, with a few popular ones every day.
        const p = i % 5 === 0 ? `/popular/${i % 20}` : `/post/${page++ % PAGES}`;
        dims.push(
          ["page", p, 1],
          ["ref", `ref${i % 40}.example`, 1],
          ["browser", browsers[i % browsers.length] as string, 1],
          ["os", i % 2 ? "Linux" : "Windows", 1],
          ["device", i % 3 ? "desktop" : "mobile", 1],
          ["country", countries[i % countries.length] as string, 1],
        );
        visitors.add(`${day}-${h}-${i % 15}`);
      }
      entries.push({ counter: id, hour, hits, dims, visitors: [...visitors] });
    }
    await store.applyBatch(batchOf(entries));
  }
  await store.close();
  return id;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

async function time(url: string): Promise<number[]> {
  const out: number[] = [];
  let n = 0;
  const worker = async () => {
    while (n++ < REQUESTS) {
      const t0 = performance.now();
      const r = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
      out.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out;
}

export async function statsBench(): Promise<string> {
  const dataDir = tempDir();
  const today = new Date().toISOString().slice(0, 10);
  const id = await generate(dataDir, today);
  const server = startNode(0, SERVE, {
    PORT: String(PORT),
    HOST: "127.0.0.1",
    HITCOUNTER_DATA: dataDir,
    LOG_LEVEL: "warn",
    REQUEST_RATE_PER_MINUTE: "100000000",
  });
  const base = `http://127.0.0.1:${PORT}/api/counters/${id}`;
  await waitHttp(`http://127.0.0.1:${PORT}/healthz`, server);
  const year = `from=${addDays(today, -364)}&to=${today}`;
  const month = `from=${addDays(today, -29)}&to=${today}`;
  const queries: [string, string][] = [
    ["stats, 2 days hourly", `${base}/stats?from=${addDays(today, -1)}&to=${today}`],
    ["stats, 30 days", `${base}/stats?${month}`],
    ["stats, 1 year", `${base}/stats?${year}`],
    ["breakdowns (all 7), 30 days", `${base}/breakdowns?${month}`],
    ["breakdowns (all 7), 1 year", `${base}/breakdowns?${year}`],
    ["top pages, 1 year", `${base}/breakdowns?dim=pages&${year}`],
  ];
  const lines = [
    `\nstats API on SQLite: 1 year of hourly data, ${PAGES} distinct pages, ${CONCURRENCY} concurrent readers`,
  ];
  lines.push(`${"query".padEnd(32)} ${"first ms".padStart(9)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)}`);
  try {
    for (const [name, url] of queries) {
      // The first request of a range aggregates its ended days; later ones reuse that.
      const first = performance.now();
      await (await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer();
      const firstMs = performance.now() - first;
      await time(url); // warm-up
      const t = await time(url);
      lines.push(
        `${name.padEnd(32)} ${firstMs.toFixed(1).padStart(9)} ${pct(t, 50).toFixed(1).padStart(8)} ${pct(t, 95).toFixed(1).padStart(8)}`,
      );
    }
  } finally {
    await stop(server);
  }
  lines.push("target: p95 < 50 ms");
  return lines.join("\n");
}
