// The fold worker thread: keeps folding the journal into the rollups on its own connection,
// so the event loop that answers hits never runs a rollup transaction. It merges new journal
// rows every ABSORB_INTERVAL_MS, writes them every FOLD_INTERVAL_MS and whenever asked
// ("fold"), and reports the watermark it reached.
// Every other write to hitcounter.db runs here too ("write"): done on the event loop, a write
// waited out a running fold's transaction there, and every answer with it (up to 200 ms).
// Every read of the rollups asks for a fold first, so the interval doesn't make stats stale.
// A longer one lets more hits on a counter merge into one row update: a fold's SQL costs
// about the same for 5 or 10 seconds of hits, as it is one upsert per counter, day, hour and
// breakdown value touched (500-700 ms on 10,000 counters for 22,500, 45,000 or 90,000 hits).
// This thread also runs below the event loop's priority, so hits are answered first while a
// fold runs; on a saturated core it gets about a quarter of it.
// Measured with npm run bench's load on 10,000 counters, on a 2-core AMD EPYC VM:
// - folding every 10 s with merges every second, against every 5 s merging at the fold: the
//   fold's CPU per hit went from 23.5 to 16.7 µs (two runs each, 20 s loads);
// - the lower priority took hits/s from 8.2k-8.7k to 9.0k-9.4k and p99 from 21-23 ms to
//   16-17 ms (two runs each). The price: a write arriving during a fold at full load waits for
//   it, 1.6-1.9 s at most where it was 0.7 s (creating a counter once a second under load).

import { parentPort, workerData } from "node:worker_threads";
import type Database from "better-sqlite3";
import { lowerPriority } from "../../workers/start.js";
import { Folder } from "./fold.js";
import type { FoldWorkerData, FromWorker, ToWorker, WriteMessage } from "./fold-client.js";
import { JournalLog } from "./journal-log.js";
import { openRollups } from "./open.js";

const FOLD_INTERVAL_MS = 10_000;
const ABSORB_INTERVAL_MS = 1000;
/** Nice steps below the event loop: weight 335 against 1,024, so about a quarter of a busy core. */
const LOWER_PRIORITY_BY = 5;

lowerPriority(LOWER_PRIORITY_BY);
/** Every message to the event loop, typed (fold-client.ts reads them). */
const tell = (m: FromWorker) => parentPort?.postMessage(m);
const failure = (err: unknown): FromWorker => ({
  type: "error",
  message: (err as Error).message ?? String(err),
  stack: (err as Error).stack,
});

const { dataDir, sync, cap, shared } = workerData as FoldWorkerData;
const db = openRollups(dataDir, sync);
const journal = JournalLog.reader(dataDir, {
  sync,
  shared,
  onDamage: (from, to) => tell({ type: "damaged", from, to }),
});
const folder = new Folder(db, cap);

function fold(): void {
  try {
    const seq = folder.foldAll(journal);
    tell({ type: "folded", seq });
  } catch (err) {
    tell(failure(err));
  }
}

/** Merges what the journal gained since the last time, so the next fold has less to do. */
function absorb(): void {
  try {
    folder.absorb(journal);
  } catch (err) {
    tell(failure(err));
  }
}

const prepared = new Map<string, Database.Statement>();

function write(m: WriteMessage): void {
  try {
    let seq: number | undefined;
    if (m.fold) {
      seq = folder.foldAll(journal);
      tell({ type: "folded", seq });
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
    tell({ type: "written", n: m.n, seq });
  } catch (err) {
    tell({ type: "written", n: m.n, error: (err as Error).message });
  }
}

const timer = setInterval(fold, FOLD_INTERVAL_MS);
const absorbTimer = setInterval(absorb, ABSORB_INTERVAL_MS);
parentPort?.on("message", (m: ToWorker) => {
  if (m.type === "fold") fold();
  else if (m.type === "write") write(m);
  else if (m.type === "stop") {
    clearInterval(timer);
    clearInterval(absorbTimer);
    fold();
    journal.close();
    db.close();
    tell({ type: "stopped" });
  }
});
