// The memory bench: 2,000,000 hits (BENCH_DISTINCT), each from a visitor never seen before,
// over 10,000 counters on one SQLite server; then the server's resident memory, and after a
// restart the time its first hit takes (no day of visitors may be reloaded on the hit path).

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCounters, load, rssMb, SERVE, serverEnv, startNode, stop, tempDir, waitHttp } from "./harness.js";

const PORT = 8183;
const DISTINCT = Number(process.env.BENCH_DISTINCT ?? 2_000_000);
const COUNTERS = Number(process.env.BENCH_COUNTERS ?? 10_000);
/** The budget README states and this bench checks. */
export const RSS_BUDGET_MB = 200;

export async function memoryBench(): Promise<string> {
  const dataDir = tempDir();
  const env = serverEnv(PORT, dataDir);
  const url = `http://127.0.0.1:${PORT}`;
  let server = startNode(0, SERVE, env);
  await waitHttp(`${url}/healthz`, server);
  const ids = await createCounters(url, COUNTERS);
  const idsFile = join(dataDir, "ids.txt");
  writeFileSync(idsFile, ids.join("\n"));
  const idle = rssMb(server.pid as number);
  const r = await load(url, idsFile, 0, ".svg", DISTINCT);
  // Two folds, so what the journal held is in the rollups and memory has settled.
  await new Promise((res) => setTimeout(res, 20_000));
  const after = rssMb(server.pid as number);
  await stop(server);

  server = startNode(0, SERVE, env);
  await waitHttp(`${url}/healthz`, server);
  const started = performance.now();
  const first = await fetch(`${url}/c/${ids[0]}.svg`, { headers: { "user-agent": "Mozilla/5.0 Firefox/140.0" } });
  await first.arrayBuffer();
  const firstMs = performance.now() - started;
  await stop(server);
  const within = after.peak < RSS_BUDGET_MB ? "within" : "OVER";
  return [
    `memory: ${r.ok} hits from distinct visitors over ${COUNTERS} counters (${Math.round(r.rps)} hits/s, ${r.non2xx} not 2xx)`,
    `   RSS idle ${idle.now.toFixed(0)} MB, after ${after.now.toFixed(0)} MB, peak ${after.peak.toFixed(0)} MB (${within} the ${RSS_BUDGET_MB} MB budget)`,
    `   after a restart, the first hit took ${firstMs.toFixed(1)} ms (${first.headers.get("x-hit-counted") === "1" ? "counted" : "NOT counted"})`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await memoryBench());
