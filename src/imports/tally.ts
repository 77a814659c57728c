// An import's figures, added up in memory in the counter's time zone as the rows are read:
// hits per local day, hour and breakdown value, and distinct visitors per day (by a 52-bit
// hash of the source's own visitor key with a salt made for this import only: neither the key
// nor the hash is ever stored). At the end they become one CounterDelta, which the store adds
// to the rollups in one transaction (Store.importRollups).
// Bounds: at most MAX_VISITORS distinct visitor-days (about 60 bytes each, 120 MB); past it
// the import is refused (413) rather than counted without its visitors.

import { hash, randomBytes } from "node:crypto";
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

const DIMS: [keyof RowValues, string][] = [
  ["page", "page"],
  ["referrerHost", "ref"],
  ["referrerUrl", "refurl"],
  ["browser", "browser"],
  ["os", "os"],
  ["device", "device"],
  ["country", "country"],
];

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
  private readonly salt = randomBytes(16).toString("hex");

  constructor(private readonly timeZone: string) {}

  /** One row of `hits` hits at `ms`; `visitor` is the source's key for who made it ("": none). */
  add(ms: number, v: RowValues, visitor: string, hits = 1): void {
    const b = localBucket(this.timeZone, ms);
    this.addOn(b.day, b.hour, v, hits);
    if (visitor !== "") this.visit(b.day, b.hour, visitor);
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
    for (const [field, dim] of DIMS) {
      const value = v[field];
      if (value === "") continue;
      const key = `${day}\u0000${dim}\u0000${value}`;
      d.dims.set(key, (d.dims.get(key) ?? 0) + hits);
    }
  }

  private visit(day: string, hour: string, visitor: string): void {
    const h = Number.parseInt(hash("sha1", `${this.salt}${visitor}`).slice(0, 13), 16);
    let byDay = this.seen.get(day);
    if (!byDay) {
      byDay = new Map();
      this.seen.set(day, byDay);
    }
    const first = byDay.get(h);
    if (first !== undefined && first <= hour) return;
    if (first === undefined && ++this.seenCount > MAX_VISITORS) {
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
    return this.delta;
  }
}
