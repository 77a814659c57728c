// Merges batch entries (a counter's hits in one hour, breakdowns as places in a table of
// values) into one CounterDelta per counter: PostgreSQL merges each batch before writing it,
// and the SQLite fold merges many journal rows (which keep the batch's form) into one write.

import type { Batch, CounterDelta } from "./store.js";

/** "YYYY-MM-DD" */
const DAY_LENGTH = 10;

export class DeltaMerger {
  private strings: readonly string[] = [];
  // Per place in the table: the dims key it makes with the day it was last used on, and the
  // day of each place that holds an hour, built once per table rather than once per entry.
  private keys: string[] = [];
  private keyDays: string[] = [];
  private hourDays: string[] = [];
  /** Visitors added to `merged` so far: what bounds a fold's memory (sqlite/fold.ts). */
  visitorsAdded = 0;

  /** Merges into `merged`, which may hold deltas merged earlier. */
  constructor(readonly merged = new Map<string, CounterDelta>()) {}

  /** Sets the table of strings that the next entries' places refer to. */
  table(strings: readonly string[]): void {
    this.strings = strings;
    this.keys = [];
    this.keyDays = [];
    this.hourDays = [];
  }

  /** The counter's delta, created empty on first use. */
  delta(id: string): CounterDelta {
    let d = this.merged.get(id);
    if (!d) {
      d = { hits: 0, days: new Map(), hours: new Map(), dims: new Map(), visitors: new Map() };
      this.merged.set(id, d);
    }
    return d;
  }

  /**
   * Adds one entry. `hour` is a place in the table (a journal row) or the hour itself (a
   * batch); `dims` are flat pairs [place, hits, …]; `visitors` count from `hour` unless
   * already merged.
   */
  add(id: string, hits: number, hour: string | number, dims: readonly number[], visitors: readonly string[]) {
    const d = this.delta(id);
    d.hits += hits;
    let h: string;
    let day: string;
    if (typeof hour === "number") {
      h = this.strings[hour] as string;
      day = this.hourDays[hour] ?? h.slice(0, DAY_LENGTH);
      this.hourDays[hour] = day;
    } else {
      h = hour;
      day = hour.slice(0, DAY_LENGTH);
    }
    d.days.set(day, (d.days.get(day) ?? 0) + hits);
    d.hours.set(h, (d.hours.get(h) ?? 0) + hits);
    for (let i = 0; i < dims.length; i += 2) {
      const v = dims[i] as number;
      let key: string;
      if (this.keyDays[v] === day) key = this.keys[v] as string;
      else {
        key = `${day}\u0000${this.strings[v] as string}`;
        this.keys[v] = key;
        this.keyDays[v] = day;
      }
      d.dims.set(key, (d.dims.get(key) ?? 0) + (dims[i + 1] as number));
    }
    for (const hash of visitors) {
      if (d.visitors.has(hash)) continue;
      d.visitors.set(hash, h);
      this.visitorsAdded++;
    }
  }
}

/** A batch as one delta per counter. */
export function mergeBatch(batch: Batch): Map<string, CounterDelta> {
  const m = new DeltaMerger();
  m.table(batch.values);
  for (const e of batch.entries) m.add(e.counterId, e.hits, e.hour, e.dims, e.visitors);
  return m.merged;
}

/** The new visitors a delta holds only by number (imports). */
export function countedVisitors(d: CounterDelta): number {
  let n = 0;
  for (const v of d.visitorCounts?.values() ?? []) n += v;
  return n;
}
