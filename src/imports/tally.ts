// An import's figures, added up in memory in the counter's time zone as the rows are read:
// hits per local day, hour and breakdown value, and distinct visitors per day (by a 53-bit
// hash of the source's own visitor key, seeded for this import only: neither the key nor the
// hash is ever stored). At the end they become one CounterDelta, which the store adds to the
// rollups in one transaction (Store.importRollups). Hand-written for speed: it runs once per
// line of logs of millions of lines, so breakdowns are counted per day in a map per dimension
// (no key string made per value and line) and the visitor hash is a seeded 2 × 32-bit
// multiply-xor hash in JavaScript, which took a fifth of SHA-1's time here.
// Bounds: at most MAX_VISITORS distinct visitor-days (about 60 bytes each, 120 MB); past it
// the import is refused (413) rather than counted without its visitors.

import { randomInt } from "node:crypto";
import { AppError } from "../errors.js";
import type { CounterDelta } from "../store/store.js";
import { localBucket } from "../time/zone.js";

export const MAX_VISITORS = 2_000_000;

/** A row's breakdown values ("" where the source has none). */
export interface RowValues {
  page: string;
  referrerHost: string;
  referrerUrl: string;
  browser: string;
  os: string;
  device: string;
  country: string;
}

const FIELDS: (keyof RowValues)[] = ["page", "referrerHost", "referrerUrl", "browser", "os", "device", "country"];
/** The stored dimension of each field, in the same order. */
const DIM_NAMES = ["page", "ref", "refurl", "browser", "os", "device", "country"];

/** A 53-bit hash of `s`, seeded: cyrb53 (public domain), two 32-bit lanes. */
function hash53(s: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export class ImportTally {
  /** New visitors by the local hour of their first row, or by day for daily totals. */
  private readonly counts = new Map<string, number>();
  readonly delta: CounterDelta = {
    hits: 0,
    days: new Map(),
    hours: new Map(),
    dims: new Map(),
    visitors: new Map(),
    visitorCounts: this.counts,
  };
  /** day -> visitor hash -> the local hour of its first row */
  private readonly seen = new Map<string, Map<number, string>>();
  private seenCount = 0;
  /** The visitor hash's seed: the import's other threads take the same. */
  readonly seed: number;
  /** day -> per field, value -> hits */
  private readonly dims = new Map<string, Map<string, number>[]>();

  /** `seed`: the visitor hash's; tallies of one import on several threads share it. */
  constructor(
    private readonly timeZone: string,
    seed = randomInt(2 ** 31),
    /** Visitor-days this tally may hold (a thread's share of MAX_VISITORS). */
    private readonly maxVisitors = MAX_VISITORS,
  ) {
    this.seed = seed;
  }

  /** The days this tally has seen visitors on. */
  visitorDays(): string[] {
    return [...this.seen.keys()];
  }

  /** Takes the visitors of `days` out (to be counted by another tally: mergeVisitors()). */
  takeVisitors(days: string[]): Map<string, Map<number, string>> {
    const out = new Map<string, Map<number, string>>();
    for (const day of days) {
      const v = this.seen.get(day);
      if (v) out.set(day, v);
      this.seen.delete(day);
    }
    return out;
  }

  /** Adds visitors another tally of the same import saw (same seed): one seen by both counts once. */
  mergeVisitors(seen: Map<string, Map<number, string>>): void {
    for (const [day, visitors] of seen) for (const [h, hour] of visitors) this.visit(day, hour, h);
  }

  /**
   * Adds the finished figures of another part of the same import (another thread's lines),
   * whose visitors are none of this tally's (the lines are shared out by address).
   */
  merge(o: CounterDelta): void {
    const d = this.delta;
    d.hits += o.hits;
    for (const [k, n] of o.days) d.days.set(k, (d.days.get(k) ?? 0) + n);
    for (const [k, n] of o.hours) d.hours.set(k, (d.hours.get(k) ?? 0) + n);
    for (const [k, n] of o.dims) d.dims.set(k, (d.dims.get(k) ?? 0) + n);
    for (const [k, n] of o.visitorCounts ?? []) this.counts.set(k, (this.counts.get(k) ?? 0) + n);
  }

  /**
   * One row of `hits` hits at `ms`; `visitor` is the source's key for who made it ("": none),
   * or its hash already (visitorHash()).
   */
  add(ms: number, v: RowValues, visitor: string | number, hits = 1): void {
    const b = localBucket(this.timeZone, ms);
    this.addOn(b.day, b.hour, v, hits);
    if (visitor !== "") this.visit(b.day, b.hour, typeof visitor === "number" ? visitor : hash53(visitor, this.seed));
  }

  /** A text's hash under this import's seed (a user-agent's, worked out once per string). */
  textHash(text: string): number {
    return hash53(text, this.seed);
  }

  /** The visitor hash of an address with a user-agent of textHash() `agent`. */
  visitorHash(address: string, agent: number): number {
    return hash53(address, (this.seed ^ agent) | 0);
  }

  /** Hits on a day without an hour (daily totals), with `visitors` more visitors that day. */
  addDay(day: string, v: RowValues, hits: number, visitors: number): void {
    this.addOn(day, undefined, v, hits);
    if (visitors > 0) {
      this.counts.set(day, (this.counts.get(day) ?? 0) + visitors);
    }
  }

  private addOn(day: string, hour: string | undefined, v: RowValues, hits: number): void {
    const d = this.delta;
    d.hits += hits;
    d.days.set(day, (d.days.get(day) ?? 0) + hits);
    if (hour) d.hours.set(hour, (d.hours.get(hour) ?? 0) + hits);
    let byField = this.dims.get(day);
    if (!byField) {
      byField = FIELDS.map(() => new Map());
      this.dims.set(day, byField);
    }
    for (let i = 0; i < FIELDS.length; i++) {
      const value = v[FIELDS[i] as keyof RowValues];
      if (value === "") continue;
      const m = byField[i] as Map<string, number>;
      m.set(value, (m.get(value) ?? 0) + hits);
    }
  }

  private visit(day: string, hour: string, h: number): void {
    let byDay = this.seen.get(day);
    if (!byDay) {
      byDay = new Map();
      this.seen.set(day, byDay);
    }
    const first = byDay.get(h);
    if (first !== undefined && first <= hour) return;
    if (first === undefined && ++this.seenCount > this.maxVisitors) {
      throw new AppError(413, "too_large", `an import may hold at most ${MAX_VISITORS} visitor-days: split the file`);
    }
    byDay.set(h, hour);
  }

  /** The figures to store: the visitors become counts per hour of their first row. */
  finish(): CounterDelta {
    for (const byDay of this.seen.values()) {
      for (const hour of byDay.values()) this.counts.set(hour, (this.counts.get(hour) ?? 0) + 1);
    }
    this.seen.clear();
    for (const [day, byField] of this.dims) {
      byField.forEach((m, i) => {
        for (const [value, hits] of m) {
          const key = `${day}\u0000${DIM_NAMES[i]}\u0000${value}`;
          this.delta.dims.set(key, (this.delta.dims.get(key) ?? 0) + hits);
        }
      });
    }
    this.dims.clear();
    return this.delta;
  }
}
