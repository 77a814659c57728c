// Folds committed journal rows into the rollup tables (counters, daily, hourly, dims,
// visitor_days) in one transaction that also moves the watermark, so a crash mid-fold
// leaves either all or none of it, and a row is never folded twice.
// Rows are written with one multi-row statement per table (Bulk), and many batches are
// folded at once, so a busy page is written once per fold rather than once per hit.
// Reading and merging journal rows (absorb) is kept apart from writing them: the worker
// absorbs every second and writes every few seconds, so the merge, about a third of the
// work, is spread thinly instead of adding to each fold's burst on the server's core.

import type Database from "better-sqlite3";
import { OTHER, splitDimKey } from "../caps.js";
import { countedVisitors, DeltaMerger } from "../delta-merger.js";
import { mergeRow } from "../journal-rows.js";
import { crossings } from "../milestones.js";
import type { CounterDelta } from "../store.js";
import { Bulk } from "./bulk.js";
import type { JournalSource } from "./journal-log.js";

/** Breakdown keys the fold remembers as stored: about 100 bytes each, 10 MB at most. */
const MAX_KNOWN_KEYS = 100_000;
/**
 * Journal rows per fold transaction; each row is one group commit. It bounds the memory a fold
 * holds after a long outage (merged, rows take far less than their few KB, but the visitors
 * they hold add up), and is large enough that one fold interval of heavy traffic (about 8,000
 * commits in 10 s) folds in one transaction: each extra chunk writes every counter's rows again.
 */
const ROWS_PER_FOLD = 20_000;
/**
 * New visitors per fold transaction: on a day of distinct visitors they, not the rows, are what
 * a fold holds (each a hash in its counter's delta, then three values in the write; about 100
 * bytes). About one fold interval of 20,000 new visitors a second, so a steady load folds on its
 * interval as before, and a backlog (after an outage) is folded in bounded steps. Past it, the
 * worker folds at once rather than at its next interval.
 */
export const VISITORS_PER_FOLD = 200_000;
/** Rows read at a time while absorbing, so the visitor bound is overshot by little. */
const READ_STEP = 200;

export class RollupWriter {
  private readonly bulk: Bulk;
  /** Journal rows merged but not yet in the rollups: up to and including seq `absorbedTo`. */
  private absorbed = new DeltaMerger();
  private absorbedTo = 0;
  private absorbedRows = 0;
  /** Breakdown values known to be stored, per counter ("day\0dim\0value"), so the cap check skips SQL. */
  private readonly knownKeys = new Map<string, Set<string>>();
  private knownCount = 0;
  private readonly q;

  constructor(
    private readonly db: Database.Database,
    private readonly cap: number,
    private readonly visitorsPerFold = VISITORS_PER_FOLD,
  ) {
    this.bulk = new Bulk(db);
    this.q = {
      watermark: db.prepare("SELECT value FROM meta WHERE key = 'folded_seq'").pluck(),
      setWatermark: db.prepare("UPDATE meta SET value = ? WHERE key = 'folded_seq'"),
      hasKey: db.prepare("SELECT 1 FROM dims WHERE counter_id = ? AND dim = ? AND day = ? AND value = ?").pluck(),
      keyCount: db.prepare("SELECT n FROM dim_counts WHERE counter_id = ? AND dim = ? AND day = ?").pluck(),
      outbox: db.prepare(
        "INSERT INTO deliveries (id, counter_id, milestone, hits, at, next_at) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      bumpKeyCount: db.prepare(
        `INSERT INTO dim_counts (counter_id, dim, day, n) VALUES (?, ?, ?, 1)
         ON CONFLICT (counter_id, dim, day) DO UPDATE SET n = n + 1`,
      ),
    };
  }

  watermark(): number {
    return this.q.watermark.get() as number;
  }

  /**
   * Merges journal rows past what was merged already, up to `end`, without writing them; stops
   * early once ROWS_PER_FOLD rows or VISITORS_PER_FOLD new visitors wait, which bounds the
   * memory they hold.
   */
  absorb(journal: JournalSource, end = journal.last()): void {
    let from = Math.max(this.absorbedTo, this.watermark());
    while (!this.full()) {
      const rows = journal.read(from, end, Math.min(READ_STEP, ROWS_PER_FOLD - this.absorbedRows));
      if (rows.length === 0) break;
      for (const r of rows) mergeRow(this.absorbed, r.data, () => true);
      from = this.absorbedTo = (rows[rows.length - 1] as { seq: number }).seq;
      this.absorbedRows += rows.length;
    }
  }

  /** True when what is absorbed should be folded now rather than at the next interval. */
  full(): boolean {
    return this.absorbedRows >= ROWS_PER_FOLD || this.absorbed.visitorsAdded >= this.visitorsPerFold;
  }

  /**
   * Folds what the journal holds past the watermark, in chunks; returns the new watermark.
   * It stops at the journal's end as it was when it began: under steady traffic the journal
   * never runs dry, and a write waiting behind the fold (fold-worker.ts) would wait forever.
   */
  foldAll(journal: JournalSource): number {
    const end = journal.last();
    for (;;) {
      this.absorb(journal, end);
      if (this.absorbedRows === 0) return this.watermark();
      const merged = this.absorbed.merged;
      const upTo = this.absorbedTo;
      // Taken before writing: if the transaction fails, the next absorb merges the same rows
      // again from the watermark, which hasn't moved.
      this.absorbed = new DeltaMerger();
      this.absorbedTo = 0;
      this.absorbedRows = 0;
      this.db.transaction(() => {
        this.apply(merged, true);
        this.q.setWatermark.run(upTo);
      })();
    }
  }

  /** Forgets cached dimension keys (after a counter was reset or deleted). */
  forgetKeys(): void {
    this.knownKeys.clear();
    this.knownCount = 0;
  }

  /**
   * A breakdown value, or OTHER once the counter has `cap` distinct values of that kind on that
   * day. `key` is the dims key "day\0dim\0value", so the cache needs no new string. A value's
   * row in dims is what admits it; each key comes once per fold, so it is counted once.
   */
  private capped(id: string, day: string, dim: string, value: string, key: string): string {
    if (value === OTHER) return value;
    let known = this.knownKeys.get(id);
    if (known?.has(key)) return value;
    if (!this.q.hasKey.get(id, dim, day, value)) {
      const n = (this.q.keyCount.get(id, dim, day) as number | undefined) ?? 0;
      if (n >= this.cap) return OTHER;
      this.q.bumpKeyCount.run(id, dim, day);
    }
    if (this.knownCount >= MAX_KNOWN_KEYS) {
      this.forgetKeys();
      known = undefined;
    }
    if (!known) {
      known = new Set();
      this.knownKeys.set(id, known);
    }
    known.add(key);
    this.knownCount++;
    return value;
  }

  /** Adds an import's figures (run inside the caller's transaction): no milestones are sent for them. */
  applyImport(counters: Map<string, CounterDelta>): void {
    this.apply(counters, false);
  }

  private apply(counters: Map<string, CounterDelta>, milestones: boolean): void {
    const counterValues: unknown[] = [];
    for (const [id, d] of counters) counterValues.push(id, d.hits, d.visitors.size + countedVisitors(d));
    // RETURNING tells which counters still exist (a deleted counter's late hits go with it),
    // and the hits and milestones the crossings are found from.
    const updated = this.bulk.run<{ id: string; hits: number; milestones: string | null }>(
      "counters",
      (rows) =>
        `UPDATE counters SET hits = counters.hits + d.column2, visitors = counters.visitors + d.column3
         FROM (VALUES ${rows}) AS d WHERE counters.id = d.column1
         RETURNING counters.id, counters.hits, counters.milestones`,
      3,
      counterValues,
      true,
    );
    const alive = new Set(updated.map((r) => r.id));
    const watched = milestones ? updated.filter((r) => r.milestones !== null) : [];
    if (watched.length > 0) {
      const added = (id: string) => (counters.get(id) as CounterDelta).hits;
      const o = crossings(
        watched.map((r) => ({ id: r.id, before: r.hits - added(r.id), added: added(r.id), milestones: r.milestones })),
        Date.now(),
      );
      for (let i = 0; i < o.ids.length; i++) {
        this.q.outbox.run(o.ids[i], o.counters[i], o.milestones[i], o.hits[i], o.at[i], o.at[i]);
      }
    }
    // Rows go straight into flat value lists, one per table. Values folded into OTHER can meet
    // in one statement: SQLite's upsert takes its rows one by one, so the second adds to the first.
    const visitorValues: unknown[] = [];
    const dayValues: unknown[] = [];
    const hourValues: unknown[] = [];
    const dimValues: unknown[] = [];
    const newByHour = new Map<string, number>();
    for (const [id, d] of counters) {
      if (!alive.has(id)) continue;
      newByHour.clear();
      for (const [hash, hour] of d.visitors) {
        visitorValues.push(id, hour.slice(0, 10), hash);
        newByHour.set(hour, (newByHour.get(hour) ?? 0) + 1);
      }
      // Counted visitors (imports) are per hour, or per day where the source has no hours:
      // a day key counts into its day below and matches no hour.
      for (const [hour, n] of d.visitorCounts ?? []) newByHour.set(hour, (newByHour.get(hour) ?? 0) + n);
      for (const [day, hits] of d.days) {
        let visitors = 0;
        for (const [hour, n] of newByHour) if (hour.startsWith(day)) visitors += n;
        dayValues.push(id, day, hits, visitors);
      }
      for (const [hour, hits] of d.hours) hourValues.push(id, hour, hits, newByHour.get(hour) ?? 0);
      for (const [key, hits] of d.dims) {
        const [day, dim, raw] = splitDimKey(key);
        dimValues.push(id, dim, day, this.capped(id, day, dim, raw, key), hits);
      }
    }
    this.bulk.run(
      "visitors",
      (rows) => `INSERT OR IGNORE INTO visitor_days (counter_id, day, hash) VALUES ${rows}`,
      3,
      visitorValues,
      false,
    );
    this.bulk.run(
      "daily",
      (rows) =>
        `INSERT INTO daily (counter_id, day, hits, visitors) VALUES ${rows}
         ON CONFLICT (counter_id, day) DO UPDATE SET hits = hits + excluded.hits, visitors = visitors + excluded.visitors`,
      4,
      dayValues,
      false,
    );
    this.bulk.run(
      "hourly",
      (rows) =>
        `INSERT INTO hourly (counter_id, hour, hits, visitors) VALUES ${rows}
         ON CONFLICT (counter_id, hour) DO UPDATE SET hits = hits + excluded.hits, visitors = visitors + excluded.visitors`,
      4,
      hourValues,
      false,
    );
    this.bulk.run(
      "dims",
      (rows) =>
        `INSERT INTO dims (counter_id, dim, day, value, hits) VALUES ${rows}
         ON CONFLICT (counter_id, dim, day, value) DO UPDATE SET hits = hits + excluded.hits`,
      5,
      dimValues,
      false,
    );
  }
}
