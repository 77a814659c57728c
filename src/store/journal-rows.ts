// What a committed batch becomes in a journal, for both stores: one JSON row per group commit
// (a record of SQLite's sqlite/journal-log.ts, a row of PostgreSQL's journal table), written by
// encodeBatch on the event loop and merged back into one delta per counter by the fold
// (mergeEntries, or postgres/fold.ts entry by entry).

import { DeltaMerger } from "./delta-merger.js";
import type { Batch, BatchEntry, CounterDelta } from "./store.js";

/**
 * A counter's hits within one local hour: a batch entry as written. The hour and the
 * breakdown values are places in the row's table, breakdowns flat as [place, hits, …], new
 * visitors bare hashes.
 */
export type HourEntry = [id: string, hits: number, hour: number, dims: number[], visitors: string[]];

/**
 * A journal row: TABLED, then the strings its hour entries refer to, then the entries. The
 * table is the batch's own table of breakdown values ("page\0/about", "browser\0Firefox"),
 * then its hours: on 10,000 counters nearly every entry is another counter's, and the values
 * and the hour repeat across them; written once per row, they took a commit from 3,384 bytes
 * to 1,852 (npm run bench's load on 10,000 counters, about 29 hits per commit), which is less
 * to write and less to parse in the fold.
 */
const TABLED = 2;

/**
 * The journal row of a batch. `newVisitors[i]` is entry i's new visitors (the hashes not counted
 * on their day yet), or undefined to leave the entry out (its counter was deleted).
 */
export function encodeBatch(batch: Batch, newVisitors: readonly (string[] | undefined)[]): string {
  const strings = batch.values.slice();
  const out: unknown[] = [TABLED, strings];
  // Entries of one batch nearly all share one hour (per time zone): look up only a new one.
  let lastHour = "";
  let lastPlace = 0;
  let hourPlaces: Map<string, number> | undefined;
  for (let i = 0; i < batch.entries.length; i++) {
    const visitors = newVisitors[i];
    if (!visitors) continue;
    const e = batch.entries[i] as BatchEntry;
    if (e.hour !== lastHour) {
      hourPlaces ??= new Map();
      let p = hourPlaces.get(e.hour);
      if (p === undefined) {
        p = strings.push(e.hour) - 1;
        hourPlaces.set(e.hour, p);
      }
      lastHour = e.hour;
      lastPlace = p;
    }
    out.push([e.counterId, e.hits, lastPlace, e.dims, visitors] satisfies HourEntry);
  }
  return JSON.stringify(out);
}

/** Merges journal rows into one delta per counter (into `merged`, if given), ready to fold. */
export function mergeEntries(rows: string[], merged = new Map<string, CounterDelta>()): Map<string, CounterDelta> {
  const m = new DeltaMerger(merged);
  for (const data of rows) mergeRow(m, data, () => true);
  return merged;
}

/** Merges one journal row's entries whose counter `take` accepts into `m`. */
export function mergeRow(m: DeltaMerger, data: string, take: (counterId: string) => boolean): void {
  if (data === "") return; // records lost to damage (sqlite/journal-log.ts)
  const parsed = JSON.parse(data) as unknown[];
  if (parsed[0] !== TABLED) throw new Error("a journal row of an unknown form");
  m.table(parsed[1] as string[]);
  for (let k = 2; k < parsed.length; k++) {
    const e = parsed[k] as HourEntry;
    if (take(e[0])) m.add(e[0], e[1], e[2], e[3], e[4]);
  }
}
