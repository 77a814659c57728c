// A thread that reads access-log lines for a large import (log-threads.ts): its own tally of
// its share of the addresses, seeded like the others of the import, handed back at the end.

import { parentPort, workerData } from "node:worker_threads";
import { AppError } from "../errors.js";
import { AccessLog, type LogRules } from "./formats/access-log.js";
import { splitLines } from "./lines.js";
import { newSummary, note } from "./summary.js";
import { ImportTally } from "./tally.js";

const { timeZone, rules, seed, maxVisitors, sharedDays } = workerData as {
  timeZone: string;
  rules: LogRules;
  seed: number;
  maxVisitors: number;
  /** Days the event loop saw visitors on before the threads started: their visitors go back whole. */
  sharedDays: string[];
};
const tally = new ImportTally(timeZone, seed, maxVisitors);
const log = new AccessLog(tally, rules);
const summary = newSummary();

parentPort?.on("message", (m: { type: "lines"; buf: Uint8Array; numbers: Uint32Array } | { type: "end" }) => {
  try {
    if (m.type === "lines") {
      const buf = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength);
      splitLines(buf, 0, (text, n) => note(summary, n, log.line(text)), m.numbers);
      parentPort?.postMessage({ type: "ack" });
    } else {
      const seen = tally.takeVisitors(sharedDays);
      parentPort?.postMessage({ type: "done", summary, seen, delta: tally.finish() });
    }
  } catch (err) {
    const e = err instanceof AppError ? err : new AppError(500, "internal", (err as Error).message);
    parentPort?.postMessage({ type: "error", status: e.status, code: e.code, message: e.message });
  }
});
