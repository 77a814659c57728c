// Prometheus metrics (served at /metrics). Labelled children are bound once here so the hit
// path only does an increment.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry as PromRegistry } from "prom-client";
import { DROP_REASONS, type DropReason } from "../hit.js";

export class Metrics {
  readonly registry = new PromRegistry();
  private readonly counted: Counter;
  private readonly dropped: Record<DropReason, { inc(n?: number): void }>;
  readonly batchSize: Histogram;
  readonly flushSeconds: Histogram;
  readonly flushErrors: Counter;
  readonly timedOut: Counter;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "hitcounter_process_" });
    this.counted = new Counter({
      name: "hitcounter_hits_counted_total",
      help: "Hits counted and committed",
      registers: [this.registry],
    });
    const dropped = new Counter({
      name: "hitcounter_hits_not_counted_total",
      help: "Hits answered but not counted, by reason",
      labelNames: ["reason"],
      registers: [this.registry],
    });
    // One child per reason, bound here: the hit path increments it without a label lookup.
    this.dropped = Object.fromEntries(
      DROP_REASONS.map((r) => {
        const child = dropped.labels(r);
        child.inc(0);
        return [r, child];
      }),
    ) as Record<DropReason, ReturnType<typeof dropped.labels>>;
    this.batchSize = new Histogram({
      name: "hitcounter_batch_hits",
      help: "Hits per committed batch",
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
      registers: [this.registry],
    });
    this.flushSeconds = new Histogram({
      name: "hitcounter_flush_seconds",
      help: "Time to commit one batch",
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [this.registry],
    });
    this.timedOut = new Counter({
      name: "hitcounter_requests_timed_out_total",
      help: "Requests cut off because their headers or body did not arrive within REQUEST_TIMEOUT_MS",
      registers: [this.registry],
    });
    this.flushErrors = new Counter({
      name: "hitcounter_flush_errors_total",
      help: "Batches that failed to commit",
      registers: [this.registry],
    });
  }

  /** Exposes how many SQL statements the store has sent (the cost of group commit, per hit). */
  trackStoreStatements(read: () => number): void {
    new Gauge({
      name: "hitcounter_store_statements",
      help: "SQL statements sent to the database since start",
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** Exposes the journal records the store found damaged and skipped. */
  trackStoreHealth(lostRecords: () => number): void {
    new Gauge({
      name: "hitcounter_journal_records_lost",
      help: "Journal records found damaged and skipped since start (their batches are missing from the stats)",
      registers: [this.registry],
      collect() {
        this.set(lostRecords());
      },
    });
  }

  countedHits(n: number): void {
    this.counted.inc(n);
  }

  notCounted(reason: DropReason): void {
    this.dropped[reason].inc();
  }
}
