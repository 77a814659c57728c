// The stats reads' worker thread: the SQLite store's series, breakdown and operator's list
// queries run here on a read-only connection of their own, so a heavy read (a year of 10,000
// pages grouped and sorted) never holds the event loop that answers hits. The store folds the
// journal before it asks (read-client.ts), so what is read here is complete.

import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import type { Answer } from "../../workers/requests.js";
import { breakdownQuery, listQuery, SQLITE_PARAM, seriesQuery } from "../sql/vocabulary.js";
import type { ReadRequest } from "./read-client.js";

const { dataDir } = workerData as { dataDir: string };
const db = new Database(join(dataDir, "hitcounter.db"), { readonly: true });
db.pragma("busy_timeout = 5000");

const statements: Record<ReadRequest["kind"], Database.Statement> = {
  daily: db.prepare(seriesQuery("daily", SQLITE_PARAM)),
  hourly: db.prepare(seriesQuery("hourly", SQLITE_PARAM)),
  breakdown: db.prepare(breakdownQuery(SQLITE_PARAM)),
  listCreated: db.prepare(listQuery("created", SQLITE_PARAM)),
  listHitsToday: db.prepare(listQuery("hits_today", SQLITE_PARAM)),
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
