// The fold worker thread: keeps folding the journal into the rollups on its own connection,
// so the event loop that answers hits never runs a rollup transaction. It folds whenever
// asked ("fold") and every FOLD_INTERVAL_MS, and reports the watermark it reached.
// Every read of the rollups asks for a fold first, so the interval doesn't make stats stale;
// a longer one lets more hits on a counter merge into one row update (on 10,000 counters,
// 1 s instead of 250 ms cut the fold's CPU per hit from about 36 to 29 µs).

import { parentPort, workerData } from "node:worker_threads";
import { Folder } from "./fold.js";
import { Journal } from "./journal.js";
import { openRollups } from "./open.js";

const FOLD_INTERVAL_MS = 1000;
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

const timer = setInterval(fold, FOLD_INTERVAL_MS);
parentPort?.on("message", (m: { type: string }) => {
  if (m.type === "fold") fold();
  else if (m.type === "forget-keys") folder.forgetKeys();
  else if (m.type === "stop") {
    clearInterval(timer);
    fold();
    journal.close();
    db.close();
    parentPort?.postMessage({ type: "stopped" });
  }
});
