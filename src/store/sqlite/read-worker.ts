// The stats reads' worker thread: the SQLite store's series, breakdown and operator's list
// queries run here on a read-only connection of their own, so a heavy read (a year of 10,000
// pages grouped and sorted) never holds the event loop that answers hits. The store folds the
// journal before it asks (read-client.ts), so what is read here is complete.

import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import type { Answer } from "../../workers/requests.js";
import { LIST_COUNTERS } from "./counter-rows.js";
import type { ReadRequest } from "./read-client.js";

const { dataDir } = workerData as { dataDir: string };
const db = new Database(join(dataDir, "hitcounter.db"), { readonly: true });
db.pragma("busy_timeout = 5000");

const statements: Record<ReadRequest["kind"], Database.Statement> = {
  daily: db.prepare(
    "SELECT day AS bucket, hits, visitors FROM daily WHERE counter_id = ? AND day >= ? AND day <= ? ORDER BY day",
  ),
  hourly: db.prepare(
    "SELECT hour AS bucket, hits, visitors FROM hourly WHERE counter_id = ? AND hour >= ? AND hour <= ? ORDER BY hour",
  ),
  breakdown: db.prepare(
    `SELECT value, SUM(hits) AS hits FROM dims WHERE counter_id = ? AND dim = ? AND day >= ? AND day <= ?
     GROUP BY value ORDER BY hits DESC, value LIMIT ?`,
  ),
  listCreated: db.prepare(`${LIST_COUNTERS} ORDER BY c.created_at DESC, c.id LIMIT ?`),
  listHitsToday: db.prepare(`${LIST_COUNTERS} ORDER BY hitsToday DESC, c.created_at DESC LIMIT ?`),
};

parentPort?.on("message", (m: { n: number; request: ReadRequest }) => {
  let answer: Answer<unknown[]>;
  try {
    answer = { n: m.n, result: statements[m.request.kind].all(...m.request.params) };
  } catch (err) {
    answer = { n: m.n, error: (err as Error).message };
  }
  parentPort?.postMessage(answer);
});
