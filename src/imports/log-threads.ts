// Large access-log imports on worker threads: the lines of an import past its first
// THREADS_FROM bytes are shared out to two threads by client address (lines.ts, routeLines),
// which parse, classify and add up as the event loop would (log-worker.ts). An address's lines
// all go to one thread, so each visitor is counted by one thread only, and a thread hands back
// only its finished figures (visitors as counts per hour), not the visitors it saw; but for
// the days the event loop saw visitors on before the threads started, it hands those back, so
// that a visitor seen before and after the start counts once. Parsing is
// most of an import's cost, and on one thread it topped out at about 130,000 lines/s here. Each
// thread has at most IN_FLIGHT chunks waiting, so the body is read only as fast as they take it.

import type { Worker } from "node:worker_threads";
import { AppError } from "../errors.js";
import type { CounterDelta } from "../store/store.js";
import { startWorker, workerModule } from "../workers/start.js";
import type { LogRules } from "./formats/access-log.js";
import { routeLines } from "./lines.js";
import { type ImportSummary, mergeSummary } from "./summary.js";
import { type ImportTally, MAX_VISITORS } from "./tally.js";

export const THREADS = 2;
/** Smaller imports are read on the event loop: a thread takes longer to start than they do. */
export const THREADS_FROM = 4 << 20;
const IN_FLIGHT = 3;

type FromWorker =
  | { type: "ack" }
  | { type: "done"; summary: ImportSummary; delta: CounterDelta; seen: Map<string, Map<number, string>> }
  | { type: "error"; status: number; code: string; message: string };

type Done = { summary: ImportSummary; delta: CounterDelta; seen: Map<string, Map<number, string>> };

interface Thread {
  worker: Worker;
  waiting: number;
  /** Resolves when the thread took a chunk, so the reader may send the next. */
  room?: () => void;
  failed?: AppError;
  done?: (r: Done) => void;
}

export class LogThreads {
  private readonly threads: Thread[];

  constructor(timeZone: string, rules: LogRules, seed: number, sharedDays: string[]) {
    this.threads = Array.from({ length: THREADS }, () => {
      const maxVisitors = Math.floor(MAX_VISITORS / THREADS);
      const worker = startWorker(workerModule("./log-worker", import.meta.url), {
        timeZone,
        rules,
        seed,
        maxVisitors,
        sharedDays,
      });
      const t: Thread = { worker, waiting: 0 };
      worker.on("message", (m: FromWorker) => {
        if (m.type === "ack") {
          t.waiting--;
          t.room?.();
        } else if (m.type === "error") {
          t.failed = new AppError(m.status, m.code, m.message);
          t.room?.();
          t.done?.({ summary: undefined as never, delta: undefined as never, seen: undefined as never });
        } else t.done?.(m);
      });
      worker.on("error", (err: Error) => {
        t.failed = new AppError(500, "internal", err.message);
        t.room?.();
        t.done?.({ summary: undefined as never, delta: undefined as never, seen: undefined as never });
      });
      return t;
    });
  }

  /** Shares out `buf` (whole lines, the first numbered `first`), once the threads have room. */
  async send(buf: Buffer, first: number): Promise<void> {
    const parts = routeLines(buf, first, THREADS);
    for (const [i, part] of parts.entries()) {
      const t = this.threads[i] as Thread;
      while (t.waiting >= IN_FLIGHT && !t.failed) await new Promise<void>((r) => (t.room = r));
      if (t.failed) throw t.failed;
      t.waiting++;
      // Its own memory (Buffer.concat's), moved to the thread rather than copied again.
      const bytes = new Uint8Array(part.buf.buffer, part.buf.byteOffset, part.buf.byteLength);
      const own = bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      t.worker.postMessage({ type: "lines", buf: own, numbers: part.numbers }, [
        own.buffer as ArrayBuffer,
        part.numbers.buffer as ArrayBuffer,
      ]);
    }
  }

  /** Waits for every thread's tally, merges them into `tally` and `summary`, and ends the threads. */
  async finish(tally: ImportTally, summary: ImportSummary): Promise<void> {
    try {
      const parts = await Promise.all(
        this.threads.map(
          (t) =>
            new Promise<Done>((resolve) => {
              t.done = resolve;
              if (t.failed)
                resolve({ summary: undefined as never, delta: undefined as never, seen: undefined as never });
              else t.worker.postMessage({ type: "end" });
            }),
        ),
      );
      for (const t of this.threads) if (t.failed) throw t.failed;
      for (const p of parts) {
        tally.merge(p.delta);
        tally.mergeVisitors(p.seen);
        mergeSummary(summary, p.summary);
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    for (const t of this.threads) void t.worker.terminate();
  }
}
