// Request and answer over a worker thread: each request gets a number, its answer resolves it.
// The worker is started on first use and unref'd while nothing waits on it; one that failed or
// exited fails what waits on it and is started afresh on the next request.

import type { Worker } from "node:worker_threads";
import { startWorker } from "./start.js";

/** What a worker answers to request `n`: a result, or the error's message. */
export interface Answer<T> {
  n: number;
  result?: T;
  error?: string;
}

export class WorkerRequests<Q, A> {
  private worker: Worker | undefined;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (a: A) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly module: URL,
    private readonly workerData: unknown,
    /** How errors name the worker. */
    private readonly name: string,
  ) {}

  ask(request: Q): Promise<A> {
    const w = this.start();
    const n = ++this.next;
    return new Promise<A>((resolve, reject) => {
      this.waiting.set(n, { resolve, reject });
      if (this.waiting.size === 1) w.ref();
      w.postMessage({ n, request });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker(this.module, this.workerData);
    w.unref();
    w.on("message", (m: Answer<A>) => {
      const p = this.waiting.get(m.n);
      this.waiting.delete(m.n);
      if (this.waiting.size === 0) w.unref();
      if (!p) return;
      if (m.error === undefined) p.resolve(m.result as A);
      else p.reject(new Error(`${this.name}: ${m.error}`));
    });
    const gone = (err: Error) => {
      for (const p of this.waiting.values()) p.reject(err);
      this.waiting.clear();
      if (this.worker === w) this.worker = undefined;
    };
    w.on("error", gone);
    w.on("exit", (code) => gone(new Error(`${this.name} exited (code ${code})`)));
    this.worker = w;
    return w;
  }
}
