// The fold worker thread: keeps folding the journal into the rollups on its own connection,
// so the event loop that answers hits never runs a rollup transaction. It merges new journal
// rows every ABSORB_INTERVAL_MS, writes them every FOLD_INTERVAL_MS and whenever asked
// ("fold"), and reports the watermark it reached. Every other write to hitcounter.db runs here
// too ("write"), so no answer waits out a fold's transaction. A fold's SQL costs about the same
// for 5 or 10 seconds of hits (one upsert per counter, day, hour and value touched), so a long
// interval is cheaper; reads ask for a fold first, so it never makes stats stale. The thread
// runs below the event loop's priority: hits are answered first, and a write that arrives
// during a fold under full load waits for it (up to about 2 s, README "Exactness").

import { parentPort, workerData } from "node:worker_threads";
import type Database from "better-sqlite3";
import { collectGarbage } from "../../workers/collect-garbage.js";
import { lowerPriority } from "../../workers/start.js";
import { RollupWriter } from "./fold.js";
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
const folder = new RollupWriter(db, cap);

function fold(): void {
  try {
    const before = folder.watermark();
    const seq = folder.foldAll(journal);
    tell({ type: "folded", seq });
    if (seq !== before) collectGarbage();
  } catch (err) {
    tell(failure(err));
  }
}

/**
 * Merges what the journal gained since the last time, so the next fold has less to do; folds at
 * once when what waits reached the fold's bound (fold.ts, VISITORS_PER_FOLD).
 */
function absorb(): void {
  try {
    folder.absorb(journal);
  } catch (err) {
    tell(failure(err));
    return;
  }
  if (folder.full()) fold();
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
      if (m.rollups) folder.applyImport(m.rollups);
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
