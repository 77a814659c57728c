// npm run bench: hitcounter's hit path against a bare node:http baseline, in one run, with the
// same load generator, servers and generator pinned to different cores. Prints hits/s, p50 and
// p99 and the ratio to the baseline measured just before, then checks every answered hit was
// durably committed.
// Runs: SQLite on 1 and on BENCH_COUNTERS (10,000) counters; PostgreSQL (127.0.0.1:5432,
// database test, or BENCH_DATABASE_URL) with one node and with two, on the same many counters,
// with the SQL statements sent per 1,000 hits. Then the stats API on a year of data, SVG beside
// a flood of distinct PNGs (png.ts), and memory after 2,000,000 distinct visitors (memory.ts).

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { openSqlite } from "../src/store/sqlite/index.js";
import {
  CONNECTIONS,
  cpuPerHit,
  createCounters,
  HEADER,
  type LoadResult,
  load,
  postgresCpu,
  REPEATS,
  row,
  rssMb,
  SECONDS,
  SERVE,
  serverEnv,
  startNode,
  stop,
  tempDir,
  threadCpu,
  waitHttp,
} from "./harness.js";
import { importBench } from "./import.js";
import { liveBench } from "./live.js";
import { memoryBench } from "./memory.js";
import { pngBench } from "./png.js";
import { statsBench } from "./stats.js";

const PLAIN_PORT = 8181;
const HC_PORT = 8182;
const MANY = Number(process.env.BENCH_COUNTERS ?? 10_000);
/** Two of the SQLite fold worker's intervals (src/store/sqlite/fold-worker.ts). */
const FOLD_WAIT_MS = 20_000;
const PG_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Lets a node read every counter once (count=false), as after a while of real traffic. */
async function acquaint(url: string, ids: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < ids.length) await (await fetch(`${url}/c/${ids[next++]}.json?count=false`)).arrayBuffer();
  };
  await Promise.all(Array.from({ length: 20 }, worker));
}

/** Where a run keeps its counts, and how to read the committed total back. */
interface Backend {
  name: string;
  env: Record<string, string>;
  /** `running`: the servers are still up (and, on SQLite, hold the data folder's lock). */
  storedHits(ids: string[], running: boolean): Promise<number>;
  cleanup(): Promise<void>;
}

function sqliteBackend(): Backend {
  const dataDir = tempDir();
  return {
    name: "SQLite",
    env: { HITCOUNTER_DATA: dataDir },
    async storedHits(ids, running) {
      if (running) {
        // The server holds the folder: read its rollups beside it. Called after FOLD_WAIT_MS,
        // when they hold every hit so far.
        const db = new Database(join(dataDir, "hitcounter.db"), { readonly: true });
        try {
          return Number(db.prepare("SELECT COALESCE(SUM(hits), 0) FROM counters").pluck().get());
        } finally {
          db.close();
        }
      }
      // Opening the store folds whatever the killed server left in its journal.
      const store = openSqlite({ dataDir });
      const rows = await Promise.all(ids.map((id) => store.getCounter(id)));
      await store.close();
      return rows.reduce((s, r) => s + (r?.hits ?? 0), 0);
    },
    cleanup: async () => {},
  };
}

function postgresBackend(): Backend {
  const schema = `hc_bench_${process.pid}_${Date.now().toString(36)}`;
  const query = async (sql: string) => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  };
  return {
    name: "PostgreSQL",
    env: { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema },
    async storedHits() {
      const [r] = await query(`SELECT COALESCE(sum(hits), 0)::bigint AS n FROM "${schema}".counters`);
      return Number(r.n);
    },
    cleanup: async () => {
      await query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

/** Reads one sample's value from a node's /metrics. */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

async function hitcounterRun(
  name: string,
  opts: { counters: number; nodes: number; backend: Backend },
  measureBaseline: () => Promise<LoadResult>,
): Promise<string> {
  const dataDir = tempDir();
  // One node on core 0; two nodes one a core (the second shares core 1 with the load generator;
  // PostgreSQL is not pinned and runs wherever there is room).
  const servers = Array.from({ length: opts.nodes }, (_, i) =>
    startNode(i % 2, SERVE, { ...serverEnv(HC_PORT + i, dataDir), ...opts.backend.env }),
  );
  const urls = servers.map((_, i) => `http://127.0.0.1:${HC_PORT + i}`);
  for (const [i, s] of servers.entries()) await waitHttp(`${urls[i]}/healthz`, s);
  const created = await createCounters(urls[0] as string, opts.counters);
  for (const url of urls.slice(1)) await acquaint(url, created);
  const idsFile = join(dataDir, "ids.txt");
  writeFileSync(idsFile, created.join("\n"));
  await load(urls.join(","), idsFile, 2); // warm-up, not measured
  // Let the warm-up's hits commit and fold (every 10 s), so its work isn't measured below.
  await new Promise((r) => setTimeout(r, FOLD_WAIT_MS));
  const before = await opts.backend.storedHits(created, true);
  const statementsBefore = await Promise.all(urls.map((u) => metric(u, "hitcounter_store_statements")));
  const countedBefore = await Promise.all(urls.map((u) => metric(u, "hitcounter_hits_counted_total")));
  const pids = servers.map((s) => s.pid as number);
  const cpuBefore = pids.map(threadCpu);
  const pgCpuBefore = postgresCpu();
  // Baseline and hitcounter loads alternate, each ratio to the baseline just before it.
  const ratios: number[] = [];
  let ok = 0;
  let total = 0;
  let non2xx = 0;
  let worstP99 = 0;
  for (let k = 1; k <= REPEATS; k++) {
    const baseline = await measureBaseline();
    const r = await load(urls.join(","), idsFile);
    console.log(row(REPEATS > 1 ? `${name} #${k}` : name, r, baseline));
    ratios.push(r.rps / baseline.rps);
    ok += r.ok;
    total += r.total;
    non2xx += r.non2xx;
    worstP99 = Math.max(worstP99, r.p99);
  }
  // Wait for the last fold, so the CPU per hit below includes all the work the measured hits
  // caused.
  await new Promise((res) => setTimeout(res, FOLD_WAIT_MS));
  const cpuAfter = pids.map(threadCpu);
  const pgCpu = postgresCpu() - pgCpuBefore;
  const statements = (await Promise.all(urls.map((u) => metric(u, "hitcounter_store_statements")))).reduce(
    (s, n, i) => s + n - (statementsBefore[i] as number),
    0,
  );
  const counted = (await Promise.all(urls.map((u) => metric(u, "hitcounter_hits_counted_total")))).reduce(
    (s, n, i) => s + n - (countedBefore[i] as number),
    0,
  );
  const rss = rssMb(pids[0] as number);
  // kill -9: what the store holds now is what was durably committed
  for (const s of servers) await stop(s, "SIGKILL");
  const committed = (await opts.backend.storedHits(created, false)) - before;
  await opts.backend.cleanup();
  const lines: string[] = [];
  if (REPEATS > 1) {
    const median = [...ratios].sort((a, b) => a - b)[Math.floor(REPEATS / 2)] as number;
    lines.push(`   median ratio of ${REPEATS}: ${median.toFixed(2)}; worst p99: ${worstP99.toFixed(1)} ms`);
  }
  // Each load may end with every connection's request in flight: answered, but not counted.
  const lost = ok - committed;
  lines.push(
    lost <= 0 && committed - ok <= CONNECTIONS * REPEATS && non2xx === 0
      ? `   ok: ${ok} answered 200, ${committed} committed (in flight at the ends: ${committed - ok})`
      : `   FAILED: ${ok} answered, ${committed} committed, ${non2xx} non-2xx`,
  );
  if (cpuAfter[0]?.size) {
    // Where the server's core went: the event loop, and the other threads (the SQLite fold
    // worker, libuv's pool, V8's helpers), over every node.
    let main = 0;
    let others = 0;
    for (const [i, pid] of pids.entries()) {
      const c = cpuPerHit(pid, cpuBefore[i] as Map<number, number>, cpuAfter[i] as Map<number, number>, total);
      main += c.main;
      others += c.others;
    }
    lines.push(`   server CPU per hit: main thread ${main.toFixed(0)} µs, other threads ${others.toFixed(0)} µs`);
  }
  if (opts.backend.name === "PostgreSQL") {
    // The database's own CPU over the measured loads and the fold after them (target: <= 15 µs).
    lines.push(`   PostgreSQL CPU per hit: ${((pgCpu / total) * 1e6).toFixed(1)} µs`);
  }
  lines.push(`   server RSS after the loads: ${rss.now.toFixed(0)} MB (peak ${rss.peak.toFixed(0)} MB)`);
  if (statements > 0) {
    lines.push(`   SQL statements per 1,000 hits: ${((statements / counted) * 1000).toFixed(1)}`);
  }
  return lines.join("\n");
}

async function main() {
  console.log(
    `hitcounter bench: ${CONNECTIONS} connections, ${SECONDS}s per run, loopback, servers on core 0, load on core 1\n`,
  );
  const plain = startNode(0, ["bench/plain-server.ts", String(PLAIN_PORT)]);
  const plainUrl = `http://127.0.0.1:${PLAIN_PORT}`;
  await waitHttp(plainUrl, plain);
  await load(plainUrl, "-", 2);
  /**
   * The baseline is measured again right before each hitcounter run's measured load (after
   * its set-up and warm-up), and each ratio is to the baseline just before it: this VM's
   * speed drifts by tens of percent over minutes, and a baseline taken minutes earlier moved
   * every later ratio with it.
   */
  const measureBaseline = async (): Promise<LoadResult> => {
    const before = threadCpu(plain.pid as number);
    const r = await load(plainUrl, "-");
    const c = cpuPerHit(plain.pid as number, before, threadCpu(plain.pid as number), r.total);
    console.log(row("baseline: node:http fixed SVG", r));
    if (c.main > 0) console.log(`   server CPU per request: main thread ${c.main.toFixed(0)} µs`);
    return r;
  };

  console.log(HEADER);
  const runs: [string, { counters: number; nodes: number; backend: () => Backend }][] = [
    ["SVG, 1 counter, SQLite", { counters: 1, nodes: 1, backend: sqliteBackend }],
    [`SVG, ${MANY} counters, SQLite`, { counters: MANY, nodes: 1, backend: sqliteBackend }],
    [`SVG, ${MANY} counters, PostgreSQL, 1 node`, { counters: MANY, nodes: 1, backend: postgresBackend }],
    [`SVG, ${MANY} counters, PostgreSQL, 2 nodes`, { counters: MANY, nodes: 2, backend: postgresBackend }],
  ];
  // BENCH_ONLY=text runs only the runs whose name contains it (each with its baseline).
  for (const [name, o] of runs.filter(([n]) => n.includes(process.env.BENCH_ONLY ?? ""))) {
    console.log(await hitcounterRun(`hitcounter ${name}`, { ...o, backend: o.backend() }, measureBaseline));
  }
  await stop(plain);
  console.log("\ntarget: ratio >= 0.70 in the SQLite runs, p99 < 20 ms");
  const only = process.env.BENCH_ONLY ?? "";
  if ("stats".includes(only)) console.log(await statsBench());
  if ("png".includes(only)) console.log(await pngBench());
  if ("memory".includes(only)) console.log(await memoryBench());
  if ("live".includes(only)) console.log(await liveBench());
  if ("import".includes(only)) console.log(await importBench());
  console.log(
    "PostgreSQL runs share the machine's 2 cores with the database itself (2 nodes: one on each core, the second beside the load generator).",
  );
}

await main();
