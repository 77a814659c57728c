// Group commit. Hits join the open batch; the batch is written once the event loop has taken
// in the requests at hand (setImmediate) and a turn of the loop brought no more hits, or it is
// COMMIT_WINDOW_MS old, one transaction per batch, and only then are the waiting answers
// released. Waiting while hits keep arriving costs no idle time (the loop is busy with them)
// and makes batches larger under load, which matters because a commit has a fixed cost: on
// npm run bench's 10,000-counter load, batches were 3-8 hits when each turn committed. At most `concurrency` commits run at a time (1 for SQLite,
// whose writes are serial anyway; a few for PostgreSQL, where a commit is mostly waiting on the
// network and the database); hits arriving meanwhile form the next batch. A batch that fails
// is answered "not counted" and leaves no trace.

import { added, committed, pending } from "../counters/registry.js";
import type { Metrics } from "../observability/metrics.js";
import type { Store } from "../store/store.js";
import { localBucket } from "../time/zone.js";
import { PendingBatch } from "./aggregator.js";

/** The longest a hit waits for more hits to join its batch before the batch commits. */
const COMMIT_WINDOW_MS = 1;

export class Committer {
  private open = new PendingBatch();
  /** When the open batch took its first hit, and its size when last looked at. */
  private openedAt = 0;
  private sizeSeen = 0;
  private readonly committing = new Set<Promise<void>>();
  /**
   * Commits whose answer was lost, retried by the store until the database tells: they wait,
   * mostly, so they don't hold a place among the `concurrency` (new batches then meet the
   * outage at once and are answered unavailable, rather than wait behind them).
   */
  private readonly doubtful = new Set<Promise<void>>();
  private scheduled = false;
  /** Hits in the open batch plus the one being committed: bounded by maxPending. */
  private inFlight = 0;

  constructor(
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly maxPending: number,
    private readonly now: () => number = Date.now,
    private readonly concurrency = 1,
    /** Told of every failed commit and every one that went through (burst-log.ts). */
    private readonly report: { failed(err: unknown): void; ok(): void } = { failed() {}, ok() {} },
  ) {}

  /** The batch new hits join, or undefined when too many hits wait already (store down). */
  batch(): PendingBatch | undefined {
    if (this.inFlight >= this.maxPending) return undefined;
    this.inFlight++;
    if (this.open.size === 0) this.openedAt = performance.now();
    if (!this.scheduled && this.committing.size < this.concurrency) {
      this.scheduled = true;
      setImmediate(this.run);
    }
    return this.open;
  }

  private readonly run = (): void => {
    this.scheduled = false;
    if (this.committing.size >= this.concurrency || this.open.size === 0) return;
    // The last turn brought hits: give the next one the chance to bring more, within the window.
    if (this.open.size > this.sizeSeen && performance.now() - this.openedAt < COMMIT_WINDOW_MS) {
      this.sizeSeen = this.open.size;
      this.scheduled = true;
      setImmediate(this.run);
      return;
    }
    this.start();
  };

  /** Commits the open batch now. */
  private start(): void {
    const doubt = () => {
      this.committing.delete(c);
      this.doubtful.add(c);
      if (this.open.size > 0 && !this.scheduled) this.run();
    };
    const c: Promise<void> = this.commit(this.open, doubt).finally(() => {
      this.committing.delete(c);
      this.doubtful.delete(c);
      if (this.open.size > 0 && !this.scheduled) this.run();
    });
    this.committing.add(c);
  }

  private async commit(batch: PendingBatch, doubt: () => void): Promise<void> {
    this.open = new PendingBatch();
    this.sizeSeen = 0;
    const started = performance.now();
    try {
      const totals = await this.store.applyBatch(batch, doubt);
      this.metrics.flushSeconds.observe((performance.now() - started) / 1000);
      this.metrics.batchSize.observe(batch.size);
      this.metrics.countedHits(batch.size);
      const now = this.now();
      // Most counters of a batch share a time zone: find today once per zone met in a row.
      let zone = "";
      let today = "";
      const adds = this.store.capabilities.commitReturns === "added";
      for (const e of batch.entries) {
        pending(e.live, -e.hits, -e.visitors.length);
        const t = totals.get(e.counterId);
        if (!t) continue;
        // A counter with several entries (its hour turned) has one answer: taken once.
        totals.delete(e.counterId);
        if (e.live.row.timeZone !== zone) {
          zone = e.live.row.timeZone;
          today = localBucket(zone, now).day;
        }
        // Concurrent commits may finish out of order: the registry keeps figures moving forward.
        if (adds) added(e.live, t, today);
        else committed(e.live, t, today);
      }
      batch.resolve();
      this.report.ok();
    } catch (err) {
      this.metrics.flushErrors.inc();
      this.report.failed(err);
      for (const e of batch.entries) pending(e.live, -e.hits, -e.visitors.length);
      batch.reject(err);
    } finally {
      this.inFlight -= batch.size;
    }
  }

  /**
   * Commits (or fails) every hit accepted before the call, then returns; for shutdown,
   * settings changes and tests. Hits arriving meanwhile form later batches it doesn't wait
   * for, so it returns under steady load too.
   */
  async flush(): Promise<void> {
    const waits: Promise<unknown>[] = [...this.committing, ...this.doubtful];
    if (this.open.size > 0) {
      const open = this.open;
      // Past the concurrency, a finishing commit starts it (start's finally).
      if (this.committing.size < this.concurrency) this.start();
      waits.push(open.done);
    }
    await Promise.allSettled(waits);
  }
}
