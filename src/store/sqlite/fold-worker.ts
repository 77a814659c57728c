// The fold worker thread: keeps folding the journal into the rollups on its own connection,
// so the event loop that answers hits never runs a rollup transaction. It folds whenever
// asked ("fold") and every FOLD_INTERVAL_MS, and reports the watermark it reached.
// Every other write to hitcounter.db runs here too ("write"): done on the event loop, a write
// waited out a running fold's transaction there, and every answer with it (up to 200 ms).
// Every read of the rollups asks for a fold first, so the interval doesn't make stats stale;
// a longer one lets more hits on a counter merge into one row update: a fold's SQL costs about
// the same for 2 or 5 seconds of hits, as it is one upsert per counter, day, hour and
// breakdown value touched. On 10,000 counters at about 23k hits/s, the server's CPU per hit
// (fold included) was 45.8 µs folding every 2 s and 43.1 µs every 5 s (npm run bench's load,
// two runs each). The price is that a write arriving under such load waits for up to one
// fold before it runs: 1.4 s at most, seen for a new counter created during that load.

import { parentPort, workerData } from "node:worker_threads";
import type Database from "better-sqlite3";
import { Folder } from "./fold.js";
import { Journal } from "./journal.js";
import { openRollups } from "./open.js";

const FOLD_INTERVAL_MS = 5000;
const { dataDir, sync, cap } = workerData as { dataDir: string; sync: "normal" | "full"; cap: number };
const db = openRollups(dataDir, sync);
const journal = new Journal(dataDir, sync, "folder");
const folder = new Folder(db, cap);

function fold(): void {
  try {
    const seq = folder.foldAll(journal);
    journal.checkpoint();
    parentPort?.postMessage({ type: "folded", seq });
  } catch (err) {
    parentPort?.postMessage({ type: "error", message: (err as Error).message });
  }
}

/** Statements of a write: SQL with its parameters, run in one transaction. */
export type WriteStatement = [sql: string, params: unknown[] | Record<string, unknown>];

export interface WriteMessage {
  type: "write";
  n: number;
  statements: WriteStatement[];
  /** Fold the journal first, so the write lands after every hit committed before it. */
  fold?: boolean;
  /** Forget cached breakdown keys afterwards (a counter's rollups were cleared). */
  forgetKeys?: boolean;
}

const prepared = new Map<string, Database.Statement>();

function write(m: WriteMessage): void {
  try {
    let seq: number | undefined;
    if (m.fold) {
      seq = folder.foldAll(journal);
      parentPort?.postMessage({ type: "folded", seq });
    }
    db.transaction(() => {
      for (const [sql, params] of m.statements) {
        let st = prepared.get(sql);
        if (!st) {
          st = db.prepare(sql);
          prepared.set(sql, st);
        }
        st.run(params);
      }
    })();
    if (m.forgetKeys) folder.forgetKeys();
    // With the fold's end: what the journal holds after it came after the write.
    parentPort?.postMessage({ type: "written", n: m.n, seq });
  } catch (err) {
    parentPort?.postMessage({ type: "written", n: m.n, error: (err as Error).message });
  }
}

const timer = setInterval(fold, FOLD_INTERVAL_MS);
parentPort?.on("message", (m: { type: string }) => {
  if (m.type === "fold") fold();
  else if (m.type === "write") write(m as WriteMessage);
  else if (m.type === "stop") {
    clearInterval(timer);
    fold();
    journal.close();
    db.close();
    parentPort?.postMessage({ type: "stopped" });
  }
});
