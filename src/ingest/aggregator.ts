// Pending hits, aggregated in memory by counter, local hour, page and breakdown value until
// the next group commit. One PendingBatch is open at a time; its `done` promise is shared by
// every hit in it, so waiting for durability costs no allocation per hit.

import { randomUUID } from "node:crypto";
import type { LiveCounter } from "../counters/registry.js";
import { dimKey } from "../store/caps.js";
import type { Batch, CounterDelta } from "../store/store.js";
import type { Bucket } from "../time/zone.js";

export interface Entry {
  live: LiveCounter;
  delta: CounterDelta;
}

export class PendingBatch {
  readonly id = randomUUID();
  readonly entries = new Map<string, Entry>();
  size = 0;
  readonly done: Promise<void>;
  resolve!: () => void;
  reject!: (e: unknown) => void;

  constructor() {
    this.done = new Promise<void>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    // Hits await `done`; this keeps a failed commit from also surfacing as unhandled.
    this.done.catch(() => {});
  }

  /** Adds one counted hit. `dims` are [dimension, value] pairs for the breakdowns. */
  add(live: LiveCounter, bucket: Bucket, visitor: string, dims: ReadonlyArray<readonly [string, string]>): void {
    let e = this.entries.get(live.row.id);
    if (!e) {
      e = {
        live,
        delta: { hits: 0, days: new Map(), hours: new Map(), dims: new Map(), visitors: new Map() },
      };
      this.entries.set(live.row.id, e);
    }
    const d = e.delta;
    d.hits++;
    d.days.set(bucket.day, (d.days.get(bucket.day) ?? 0) + 1);
    d.hours.set(bucket.hour, (d.hours.get(bucket.hour) ?? 0) + 1);
    for (const [dim, value] of dims) {
      if (value === "") continue;
      const k = dimKey(bucket.day, dim, value);
      d.dims.set(k, (d.dims.get(k) ?? 0) + 1);
    }
    if (!d.visitors.has(visitor)) d.visitors.set(visitor, bucket.hour);
    live.pending++;
    this.size++;
  }

  toBatch(): Batch {
    const counters = new Map<string, CounterDelta>();
    for (const [id, e] of this.entries) counters.set(id, e.delta);
    return { id: this.id, counters };
  }
}
