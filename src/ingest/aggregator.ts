// Pending hits, aggregated in memory by counter, local hour, page and breakdown value until
// the next group commit. One PendingBatch is open at a time; its `done` promise is shared by
// every hit in it, so waiting for durability costs no allocation per hit.

import { randomUUID } from "node:crypto";
import type { LiveCounter } from "../counters/registry.js";
import { dimKey } from "../store/caps.js";
import type { Batch, CounterDelta } from "../store/store.js";
import type { Bucket } from "../time/zone.js";
import type { UaInfo } from "./enrich.js";
import type { Hit } from "./hit.js";

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

  /**
   * Adds one counted hit with its breakdown values. The breakdowns are named here one by one,
   * not passed as a list of pairs, to spare eight allocations on every hit.
   */
  add(live: LiveCounter, bucket: Bucket, visitor: string, hit: Hit, ua: UaInfo, country: string): void {
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
    const day = bucket.day;
    addDim(d.dims, day, "page", hit.page);
    addDim(d.dims, day, "ref", hit.referrerHost);
    addDim(d.dims, day, "refurl", hit.referrerUrl);
    addDim(d.dims, day, "browser", ua.browser);
    addDim(d.dims, day, "os", ua.os);
    addDim(d.dims, day, "device", ua.device);
    addDim(d.dims, day, "country", country);
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

function addDim(dims: Map<string, number>, day: string, dim: string, value: string): void {
  if (value === "") return;
  const k = dimKey(day, dim, value);
  dims.set(k, (dims.get(k) ?? 0) + 1);
}
