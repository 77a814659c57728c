// Batches written by hand for store tests (the server builds them in ingest/aggregator.ts).

import { randomUUID } from "node:crypto";
import type { Batch, BatchEntry } from "../../src/store/store.js";

export interface EntrySpec {
  counter: string;
  /** Local hour "YYYY-MM-DDTHH". */
  hour: string;
  hits: number;
  /** [dim, value, hits] */
  dims?: [string, string, number][];
  visitors?: string[];
}

/** A batch of the given entries, with its table of values. */
export function batchOf(specs: EntrySpec[], id: string = randomUUID()): Batch {
  const values: string[] = [];
  const places = new Map<string, number>();
  const entries: BatchEntry[] = specs.map((s) => {
    const dims: number[] = [];
    for (const [dim, value, n] of s.dims ?? []) {
      const v = `${dim}\u0000${value}`;
      let p = places.get(v);
      if (p === undefined) {
        p = values.push(v) - 1;
        places.set(v, p);
      }
      dims.push(p, n);
    }
    return { counterId: s.counter, hour: s.hour, hits: s.hits, dims, visitors: s.visitors ?? [] };
  });
  return { id, values, entries };
}

/** Page hits as dims: {"/a": 5} -> [["page", "/a", 5]]. */
export function pages(counts: Record<string, number>): [string, string, number][] {
  return Object.entries(counts).map(([p, n]) => ["page", p, n]);
}
