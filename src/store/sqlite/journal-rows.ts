// What a committed batch becomes in the journal (journal-log.ts): one JSON row per group
// commit, written by encodeBatch on the event loop and merged back into one delta per counter
// by the fold (mergeEntries).

import type { Batch, CounterDelta } from "../store.js";

/** One counter's delta as stored: [id, hits, days, hours, dims, new visitors [hash, hour]]. */
export type JournalEntry = [
  id: string,
  hits: number,
  days: [string, number][],
  hours: [string, number][],
  dims: [string, number][],
  visitors: [string, string][],
];

/**
 * The same for a delta within one local hour, as nearly all are: the day and hour are written
 * once, breakdowns flat as [value, hits, …] and new visitors as bare hashes. Written before
 * rows had a string table, the hour and values were strings ("dim\0value"); now they are
 * places in the row's table.
 */
export type HourEntry = [
  id: string,
  hits: number,
  hour: string | number,
  dims: (string | number)[],
  visitors: string[],
];

/**
 * A journal row: TABLED, then the strings its hour entries refer to, then the entries. The
 * hour and the breakdown values ("page\0/about", "browser\0Firefox") repeat across the
 * counters of a batch, and on 10,000 counters nearly every entry is another counter's: written
 * once per row, they took a commit from 3,384 bytes to 1,852 (npm run bench's load on 10,000
 * counters, about 29 hits per commit), which is less to encode and write here and less to
 * parse in the fold. Rows without the marker are older: an array of entries with the strings
 * inline.
 */
const TABLED = 2;

export function encodeBatch(batch: Batch, newVisitors: Map<string, [string, string][]>): string {
  const strings: string[] = [];
  // Keyed by the dims key as the aggregator made it ("day\0dim\0value"): that string has
  // hashed once already as a key of the delta's map, so this lookup costs no new hashing,
  // where looking up its tail would cut a new string and hash it for every entry.
  const places = new Map<string, number>();
  // What the table holds for `key` is its tail from `from` on (the whole key for an hour), cut
  // once, when the key is first placed, not for each entry that uses it.
  const place = (key: string, from: number) => {
    let i = places.get(key);
    if (i === undefined) {
      i = strings.push(from === 0 ? key : key.slice(from)) - 1;
      places.set(key, i);
    }
    return i;
  };
  const out: unknown[] = [TABLED, strings];
  for (const [id, d] of batch.counters) {
    const fresh = newVisitors.get(id) ?? [];
    if (d.hours.size !== 1) {
      out.push([id, d.hits, [...d.days], [...d.hours], [...d.dims], fresh] satisfies JournalEntry);
      continue;
    }
    const hour = d.hours.keys().next().value as string;
    const dims: number[] = [];
    // Dims keys are "day\0dim\0value", and the day is the hour's.
    for (const [key, n] of d.dims) dims.push(place(key, DAY_LENGTH + 1), n);
    const hashes: string[] = [];
    for (const v of fresh) hashes.push(v[0]);
    out.push([id, d.hits, place(hour, 0), dims, hashes] satisfies HourEntry);
  }
  return JSON.stringify(out);
}

/** "YYYY-MM-DD" */
const DAY_LENGTH = 10;

/** Merges journal rows into one delta per counter (into `merged`, if given), ready to fold. */
export function mergeEntries(rows: string[], merged = new Map<string, CounterDelta>()): Map<string, CounterDelta> {
  for (const data of rows) {
    const parsed = JSON.parse(data) as unknown[];
    const tabled = parsed[0] === TABLED;
    const strings = tabled ? (parsed[1] as string[]) : [];
    // Per place in the table: the dims key it makes with the day it was last used on, built
    // once per row rather than once per entry.
    const keys: string[] = [];
    const keyDays: string[] = [];
    // The day of each hour in the table, cut once per row rather than once per entry.
    const hourDays: string[] = [];
    for (let k = tabled ? 2 : 0; k < parsed.length; k++) {
      const e = parsed[k] as JournalEntry | HourEntry;
      const id = e[0];
      let d = merged.get(id);
      if (!d) {
        d = { hits: 0, days: new Map(), hours: new Map(), dims: new Map(), visitors: new Map() };
        merged.set(id, d);
      }
      d.hits += e[1];
      if (e.length === 5) {
        const [, hits, at, dims, hashes] = e;
        let hour: string;
        let day: string;
        if (typeof at === "number") {
          hour = strings[at] as string;
          day = hourDays[at] ?? hour.slice(0, DAY_LENGTH);
          hourDays[at] = day;
        } else {
          hour = at;
          day = hour.slice(0, DAY_LENGTH);
        }
        d.days.set(day, (d.days.get(day) ?? 0) + hits);
        d.hours.set(hour, (d.hours.get(hour) ?? 0) + hits);
        for (let i = 0; i < dims.length; i += 2) {
          const v = dims[i] as string | number;
          let key: string;
          if (typeof v === "string") key = `${day}\u0000${v}`;
          else if (keyDays[v] === day) key = keys[v] as string;
          else {
            key = `${day}\u0000${strings[v] as string}`;
            keys[v] = key;
            keyDays[v] = day;
          }
          d.dims.set(key, (d.dims.get(key) ?? 0) + (dims[i + 1] as number));
        }
        for (const hash of hashes) if (!d.visitors.has(hash)) d.visitors.set(hash, hour);
        continue;
      }
      const [, , days, hours, dims, visitors] = e;
      for (const [k, n] of days) d.days.set(k, (d.days.get(k) ?? 0) + n);
      for (const [k, n] of hours) d.hours.set(k, (d.hours.get(k) ?? 0) + n);
      for (const [k, n] of dims) d.dims.set(k, (d.dims.get(k) ?? 0) + n);
      for (const [hash, hour] of visitors) if (!d.visitors.has(hash)) d.visitors.set(hash, hour);
    }
  }
  return merged;
}
