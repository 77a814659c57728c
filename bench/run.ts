// npm run bench: hitcounter's hit path against a bare node:http baseline, in one run, with the
// same load generator, server and generator pinned to different cores. Prints hits/s, p50 and
// p99 and the ratio to the baseline, then checks every answered hit was durably committed.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import {
  CONNECTIONS,
  HEADER,
  type LoadResult,
  load,
  row,
  SECONDS,
  startNode,
  stop,
  tempDir,
  waitHttp,
} from "./harness.js";

const PLAIN_PORT = 8181;
const HC_PORT = 8182;
const MANY = Number(process.env.BENCH_COUNTERS ?? 10_000);

async function createCounters(url: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const r = await fetch(`${url}/api/counters`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "10.200.0.1" },
        body: JSON.stringify({ label: "views" }),
      });
      ids.push(((await r.json()) as { id: string }).id);
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  return ids;
}

function storedHits(dataDir: string): number {
  const db = new Database(join(dataDir, "hitcounter.db"), { readonly: true });
  const n = (db.prepare("SELECT SUM(hits) AS n FROM counters").get() as { n: number }).n;
  db.close();
  return n;
}

async function hitcounterRun(name: string, counters: number, baseline: LoadResult): Promise<string> {
  const data = tempDir();
  const server = startNode(0, ["src/main.ts", "serve"], {
    PORT: String(HC_PORT),
    HOST: "127.0.0.1",
    HITCOUNTER_DATA: data,
    TRUST_PROXY: "1",
    LOG_LEVEL: "warn",
    CREATE_RATE_PER_HOUR: "1000000",
    REQUEST_RATE_PER_MINUTE: "100000000",
  });
  const url = `http://127.0.0.1:${HC_PORT}`;
  await waitHttp(`${url}/healthz`, server);
  const ids = await createCounters(url, counters);
  const idsFile = join(data, "ids.txt");
  writeFileSync(idsFile, ids.join("\n"));
  await load(url, idsFile, 2); // warm-up, not measured
  const before = storedHits(data);
  const r = await load(url, idsFile);
  // kill -9: what is in the file now is what was durably committed
  await stop(server, "SIGKILL");
  const committed = storedHits(data) - before;
  const line = row(name, r, baseline);
  const lost = r.ok - committed;
  const check =
    lost <= 0 && committed - r.ok <= CONNECTIONS && r.non2xx === 0
      ? `   ok: ${r.ok} answered 200, ${committed} committed (in flight at the end: ${committed - r.ok})`
      : `   FAILED: ${r.ok} answered, ${committed} committed, ${r.non2xx} non-2xx`;
  return `${line}\n${check}`;
}

async function main() {
  console.log(
    `hitcounter bench: ${CONNECTIONS} connections, ${SECONDS}s per run, loopback, server on core 0, load on core 1\n`,
  );
  const plain = startNode(0, ["bench/plain-server.ts", String(PLAIN_PORT)]);
  const plainUrl = `http://127.0.0.1:${PLAIN_PORT}`;
  await waitHttp(plainUrl, plain);
  await load(plainUrl, "-", 2);
  const baseline = await load(plainUrl, "-");
  await stop(plain);

  const lines = [HEADER, row("baseline: node:http fixed SVG", baseline)];
  console.log(lines.join("\n"));
  const one = await hitcounterRun("hitcounter SVG, 1 counter, SQLite", 1, baseline);
  console.log(one);
  const many = await hitcounterRun(`hitcounter SVG, ${MANY} counters, SQLite`, MANY, baseline);
  console.log(many);
  console.log("\ntarget: ratio >= 0.70 in both hitcounter runs, p99 < 20 ms");
}

await main();
