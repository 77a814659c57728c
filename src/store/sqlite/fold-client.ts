// The event loop's side of the fold worker (fold-worker.ts): starts it, asks it to fold or to
// write, and waits for its answers. A worker that failed or exited fails whatever waits on it
// instead of leaving it hanging. The worker is unref'd while nothing waits on it, so it never
// keeps the process alive by itself.

import type { Worker } from "node:worker_threads";
import { startWorker, workerModule } from "../../workers/start.js";
import type { CounterDelta } from "../store.js";

/**
 * The fold thread's young generation: it parses journal rows and drops them within a second,
 * and what it keeps lives until the fold; 8 MB held its heap at about 30 MB where V8's default
 * took it to 55-63 MB under npm run bench's memory load.
 */
const FOLD_YOUNG_GENERATION_MB = 8;

/** Statements of a write: SQL with its parameters, run in one transaction. */
export type WriteStatement = [sql: string, params: unknown[] | Record<string, unknown>];

export interface WriteMessage {
  type: "write";
  n: number;
  statements: WriteStatement[];
  /** Fold the journal first, so the write lands after every hit committed before it. */
  fold?: boolean;
  /** Forget cached breakdown keys afterwards (a counter's rollups were cleared or edited). */
  forgetKeys?: boolean;
  /** Figures added to the rollups after the statements, in their transaction (imports). */
  rollups?: Map<string, CounterDelta>;
}

/** What the event loop sends the worker. */
export type ToWorker = { type: "fold" } | { type: "stop" } | WriteMessage;

/** What the worker answers. */
export type FromWorker =
  | { type: "written"; n: number; seq?: number; error?: string }
  | { type: "folded"; seq: number }
  | { type: "error"; message: string; stack?: string }
  | { type: "damaged"; from: number; to: number }
  | { type: "stopped" };

export interface FoldWorkerData {
  dataDir: string;
  sync: "normal" | "full";
  cap: number;
  /** Where the event loop publishes the journal's last seq (journal-log.ts). */
  shared: SharedArrayBuffer;
}

export interface FoldClientOptions {
  data: FoldWorkerData;
  /** The watermark the rollups hold now. */
  folded: number;
  /** The journal's last seq: what settle() waits for. */
  lastSeq: () => number;
  onFolded: (seq: number) => void;
  onDamage: (from: number, to: number) => void;
  /** A fold failed (the worker goes on, and tries again at its next interval). */
  onError: (message: string, stack?: string) => void;
}

export class FoldClient {
  /** The watermark the worker last reported. */
  folded: number;
  private readonly worker: Worker;
  private foldError: string | undefined;
  private gone: Error | undefined;
  private readonly waiters: (() => void)[] = [];
  private readonly writes = new Map<
    number,
    { resolve: (seq: number | undefined) => void; reject: (e: Error) => void }
  >();
  private lastWrite = 0;
  private holds = 0;

  constructor(private readonly opts: FoldClientOptions) {
    this.folded = opts.folded;
    this.worker = startWorker(workerModule("./fold-worker", import.meta.url), opts.data, FOLD_YOUNG_GENERATION_MB);
    this.worker.unref();
    this.worker.on("message", (m: FromWorker) => this.receive(m));
    const gone = (err: Error) => {
      this.gone ??= err;
      this.foldError = err.message;
      for (const w of this.waiters.splice(0)) w();
      for (const w of this.writes.values()) w.reject(err);
      this.writes.clear();
    };
    this.worker.on("error", gone);
    this.worker.on("exit", (code) => gone(new Error(`the fold worker exited (code ${code})`)));
  }

  /** Waits until everything journalled so far is in the rollups (for reads). */
  async settle(): Promise<void> {
    const target = this.opts.lastSeq();
    this.hold();
    try {
      while (this.folded < target) {
        if (this.gone) throw this.gone;
        const next = new Promise<void>((resolve) => this.waiters.push(resolve));
        this.send({ type: "fold" });
        await next;
        if (this.foldError && this.folded < target) throw new Error(`fold failed: ${this.foldError}`);
      }
    } finally {
      this.release();
    }
  }

  /**
   * Runs statements in one transaction on the worker's connection, the only writer of
   * hitcounter.db, so the event loop never waits on its lock. With `fold`, resolves to the
   * watermark the fold before it reached.
   */
  async write(
    statements: WriteStatement[],
    opts: { fold?: boolean; forgetKeys?: boolean; rollups?: Map<string, CounterDelta> } = {},
  ): Promise<number | undefined> {
    const n = ++this.lastWrite;
    const done = new Promise<number | undefined>((resolve, reject) => this.writes.set(n, { resolve, reject }));
    this.hold();
    try {
      if (this.gone) throw this.gone;
      this.send({ type: "write", n, statements, ...opts });
      return await done;
    } finally {
      this.writes.delete(n);
      this.release();
    }
  }

  /** Folds what is left, stops the worker and waits for it to end. */
  async stop(): Promise<void> {
    await this.settle();
    const stopped = new Promise<void>((resolve) => {
      this.worker.on("message", (m: FromWorker) => m.type === "stopped" && resolve());
      this.worker.on("error", () => resolve());
      this.worker.on("exit", () => resolve());
    });
    this.worker.ref();
    this.send({ type: "stop" });
    await stopped;
    await this.worker.terminate();
  }

  private send(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private receive(m: FromWorker): void {
    if (m.type === "written") {
      const w = this.writes.get(m.n);
      this.writes.delete(m.n);
      if (m.error === undefined) w?.resolve(m.seq);
      else w?.reject(new Error(m.error));
    } else if (m.type === "folded") {
      this.folded = m.seq;
      this.foldError = undefined;
      this.opts.onFolded(m.seq);
    } else if (m.type === "error") {
      this.foldError = m.message;
      this.opts.onError(m.message, m.stack);
    } else if (m.type === "damaged") {
      this.opts.onDamage(m.from, m.to);
    }
    for (const w of this.waiters.splice(0)) w();
  }

  // An unref'd worker doesn't keep the process alive; while anything waits on it, it must.
  private hold(): void {
    if (this.holds++ === 0) this.worker.ref();
  }

  private release(): void {
    if (--this.holds === 0) this.worker.unref();
  }
}
