// Breakdowns over long ranges, fast: days that have ended in the counter's time zone no longer
// change, so their aggregate per value is computed once and kept (bounded LRU), and only
// yesterday and today are read afresh and merged in (yesterday too, because a batch holding its
// last hits may still be on its way to the rollups just after midnight). A year of 10,000 pages costs one aggregation, not one per view.
// Resetting or deleting a counter forgets its entries.

import type { DimCount, Store } from "../store/store.js";
import { addDays } from "../time/zone.js";

const MAX_ENTRIES = 200;
/**
 * Values held across all entries: about 100 bytes each, so 20 MB at most. Without it, 200
 * entries of 20,000 values could hold 400 MB, and any new from/to makes a new entry.
 */
const MAX_CACHED_VALUES = 200_000;

/** An aggregate of ended days: sorted by hits (most first), and by value for merging. */
interface Past {
  rows: DimCount[];
  byValue: Map<string, number>;
}
/** Values kept per cached aggregate: enough for any top list and its shares. */
const MAX_VALUES = 20_000;

export class PastBreakdowns {
  private readonly cache = new Map<string, Past>();
  private cachedValues = 0;

  constructor(private readonly store: Store) {}

  /** Top `limit` values of `dim` from `from` to `to`, where `today` is the counter's current day. */
  async top(id: string, dim: string, from: string, to: string, today: string, limit: number): Promise<DimCount[]> {
    const pastTo = addDays(today, -2);
    if (to <= pastTo) return (await this.past(id, dim, from, to)).rows.slice(0, limit);
    const past = from <= pastTo ? await this.past(id, dim, from, pastTo) : { rows: [], byValue: new Map() };
    const recentFrom = addDays(pastTo, 1);
    const recent = await this.store.breakdown(id, dim, recentFrom > from ? recentFrom : from, to, MAX_VALUES);
    // The top list needs only the recent values (with their past hits added) and the first
    // `limit` past values that got nothing recent: no value further down can overtake them.
    const candidates = recent.map((r) => ({ value: r.value, hits: r.hits + (past.byValue.get(r.value) ?? 0) }));
    const recentValues = new Set(recent.map((r) => r.value));
    let taken = 0;
    for (const r of past.rows) {
      if (taken === limit) break;
      if (recentValues.has(r.value)) continue;
      candidates.push(r);
      taken++;
    }
    return candidates.sort((a, b) => b.hits - a.hits || (a.value < b.value ? -1 : 1)).slice(0, limit);
  }

  forget(id: string): void {
    for (const [k, v] of this.cache) {
      if (!k.startsWith(`${id}\u0000`)) continue;
      this.cache.delete(k);
      this.cachedValues -= v.rows.length;
    }
  }

  private async past(id: string, dim: string, from: string, to: string): Promise<Past> {
    const key = `${id}\u0000${dim}\u0000${from}\u0000${to}`;
    let entry = this.cache.get(key);
    if (entry) {
      this.cache.delete(key); // refresh its place in the LRU order
    } else {
      const rows = await this.store.breakdown(id, dim, from, to, MAX_VALUES);
      entry = { rows, byValue: new Map(rows.map((r) => [r.value, r.hits])) };
      this.cachedValues += rows.length;
      // Least recently used first out, until both bounds hold.
      for (const [k, v] of this.cache) {
        if (this.cache.size < MAX_ENTRIES && this.cachedValues <= MAX_CACHED_VALUES) break;
        this.cache.delete(k);
        this.cachedValues -= v.rows.length;
      }
    }
    this.cache.set(key, entry);
    return entry;
  }
}
