// Folds committed journal rows into the rollup tables (counters, daily, hourly, dims,
// visitor_days) in one transaction that also moves the watermark, so a crash mid-fold
// leaves either all or none of it, and a row is never folded twice.
// Rows are written with one multi-row statement per table (Bulk), and many batches are
// folded at once, so a busy page is written once per fold rather than once per hit.

import type Database from "better-sqlite3";
import { OTHER, splitDimKey } from "../caps.js";
import type { CounterDelta } from "../store.js";
import { Bulk } from "./bulk.js";
import { type Journal, mergeEntries } from "./journal.js";

const MAX_KNOWN_KEYS = 500_000;
/** Journal rows per fold transaction; each row is one group commit. */
const ROWS_PER_FOLD = 2_000;

export class Folder {
  private readonly bulk: Bulk;
  private readonly knownKeys = new Set<string>();
  private readonly q;

  constructor(
    private readonly db: Database.Database,
    private readonly cap: number,
  ) {
    this.bulk = new Bulk(db);
    this.q = {
      watermark: db.prepare("SELECT value FROM meta WHERE key = 'folded_seq'").pluck(),
      setWatermark: db.prepare("UPDATE meta SET value = ? WHERE key = 'folded_seq'"),
      hasKey: db.prepare("SELECT 1 FROM dim_keys WHERE counter_id = ? AND dim = ? AND value = ?").pluck(),
      keyCount: db.prepare("SELECT n FROM dim_counts WHERE counter_id = ? AND dim = ?").pluck(),
      addKey: db.prepare("INSERT INTO dim_keys (counter_id, dim, value) VALUES (?, ?, ?)"),
      bumpKeyCount: db.prepare(
        `INSERT INTO dim_counts (counter_id, dim, n) VALUES (?, ?, 1)
         ON CONFLICT (counter_id, dim) DO UPDATE SET n = n + 1`,
      ),
    };
  }

  watermark(): number {
    return this.q.watermark.get() as number;
  }

  /** Folds what the journal holds past the watermark, in chunks; returns the new watermark. */
  foldAll(journal: Journal): number {
    for (;;) {
      const rows = journal.read(this.watermark(), ROWS_PER_FOLD);
      if (rows.length === 0) return this.watermark();
      const upTo = (rows[rows.length - 1] as { seq: number }).seq;
      this.db.transaction(() => {
        this.apply(mergeEntries(rows.map((r) => r.data)));
        this.q.setWatermark.run(upTo);
      })();
    }
  }

  /** Forgets cached dimension keys (after a counter was reset or deleted). */
  forgetKeys(): void {
    this.knownKeys.clear();
  }

  /** A breakdown value, or OTHER once the counter has `cap` distinct values of that kind. */
  private fold(id: string, dim: string, value: string): string {
    const known = `${id}\u0000${dim}\u0000${value}`;
    if (value === OTHER || this.knownKeys.has(known)) return value;
    if (!this.q.hasKey.get(id, dim, value)) {
      const n = (this.q.keyCount.get(id, dim) as number | undefined) ?? 0;
      if (n >= this.cap) return OTHER;
      this.q.addKey.run(id, dim, value);
      this.q.bumpKeyCount.run(id, dim);
    }
    if (this.knownKeys.size >= MAX_KNOWN_KEYS) this.knownKeys.clear();
    this.knownKeys.add(known);
    return value;
  }

  private apply(counters: Map<string, CounterDelta>): void {
    const counterRows: unknown[][] = [];
    const visitorRows: unknown[][] = [];
    const newByDay = new Map<string, number>();
    const newByHour = new Map<string, number>();
    for (const [id, d] of counters) {
      counterRows.push([id, d.hits, d.visitors.size]);
      for (const [hash, hour] of d.visitors) {
        const day = hour.slice(0, 10);
        visitorRows.push([id, day, hash]);
        const dk = `${id}\u0000${day}`;
        const hk = `${id}\u0000${hour}`;
        newByDay.set(dk, (newByDay.get(dk) ?? 0) + 1);
        newByHour.set(hk, (newByHour.get(hk) ?? 0) + 1);
      }
    }
    // RETURNING tells which counters still exist: a deleted counter's late hits go with it.
    const alive = new Set(
      this.bulk
        .run<{ id: string }>(
          "counters",
          (rows) =>
            `UPDATE counters SET hits = counters.hits + d.column2, visitors = counters.visitors + d.column3
             FROM (VALUES ${rows}) AS d WHERE counters.id = d.column1 RETURNING counters.id`,
          3,
          counterRows,
          true,
        )
        .map((r) => r.id),
    );
    this.bulk.run(
      "visitors",
      (rows) => `INSERT OR IGNORE INTO visitor_days (counter_id, day, hash) VALUES ${rows}`,
      3,
      visitorRows.filter((r) => alive.has(r[0] as string)),
      false,
    );
    const dayRows: unknown[][] = [];
    const hourRows: unknown[][] = [];
    const dims = new Map<string, unknown[]>();
    for (const [id, d] of counters) {
      if (!alive.has(id)) continue;
      for (const [day, hits] of d.days) dayRows.push([id, day, hits, newByDay.get(`${id}\u0000${day}`) ?? 0]);
      for (const [hour, hits] of d.hours) hourRows.push([id, hour, hits, newByHour.get(`${id}\u0000${hour}`) ?? 0]);
      for (const [key, hits] of d.dims) {
        const [day, dim, raw] = splitDimKey(key);
        const value = this.fold(id, dim, raw);
        // Folding can map several values onto OTHER: merge, since one statement may not
        // touch the same row twice.
        const k = `${id}\u0000${dim}\u0000${day}\u0000${value}`;
        const prev = dims.get(k);
        if (prev) prev[4] = (prev[4] as number) + hits;
        else dims.set(k, [id, dim, day, value, hits]);
      }
    }
    this.bulk.run(
      "daily",
      (rows) =>
        `INSERT INTO daily (counter_id, day, hits, visitors) VALUES ${rows}
         ON CONFLICT (counter_id, day) DO UPDATE SET hits = hits + excluded.hits, visitors = visitors + excluded.visitors`,
      4,
      dayRows,
      false,
    );
    this.bulk.run(
      "hourly",
      (rows) =>
        `INSERT INTO hourly (counter_id, hour, hits, visitors) VALUES ${rows}
         ON CONFLICT (counter_id, hour) DO UPDATE SET hits = hits + excluded.hits, visitors = visitors + excluded.visitors`,
      4,
      hourRows,
      false,
    );
    this.bulk.run(
      "dims",
      (rows) =>
        `INSERT INTO dims (counter_id, dim, day, value, hits) VALUES ${rows}
         ON CONFLICT (counter_id, dim, day, value) DO UPDATE SET hits = hits + excluded.hits`,
      5,
      [...dims.values()],
      false,
    );
  }
}
