// Each counter's committed figures on SQLite, ahead of the rollups by what the journal holds:
// kept from the first time a counter is hit, so answers are exact before the fold. The commit
// works out each entry's new visitors (visitor-days.ts) and the counters' totals after the
// batch, appends the batch's row to the journal (the commit point), and only then moves
// memory forward, so a failed append leaves no trace.

import type Database from "better-sqlite3";
import { encodeBatch, mergeEntries } from "../journal-rows.js";
import type { Batch, CommittedTotals, DayTotals } from "../store.js";
import type { JournalLog } from "./journal-log.js";
import { VisitorDays, type VisitorTrack } from "./visitor-days.js";

/** A counter's committed figures. */
interface Figures extends VisitorTrack {
  hits: number;
  visitors: number;
  days: Map<string, DayTotals>;
}

/** Batch ids remembered, so a batch handed in twice is counted once. */
const RECENT_BATCHES = 1_000;
/** An entry's new visitors when it has none: shared, never added to. */
const NONE: string[] = [];

export class LiveFigures {
  private readonly figures = new Map<string, Figures>();
  private readonly recentBatches = new Set<string>();
  /** Each figures object gets its own epoch: a counter re-read after an edit starts afresh. */
  private epochs = 0;
  private readonly visitors: VisitorDays;
  private readonly q;

  constructor(
    db: Database.Database,
    private readonly journal: JournalLog,
    visitorBudgetBytes?: number,
  ) {
    this.visitors = new VisitorDays(db, visitorBudgetBytes);
    this.q = {
      totals: db.prepare("SELECT hits, visitors FROM counters WHERE id = ?"),
      getDay: db.prepare("SELECT hits, visitors FROM daily WHERE counter_id = ? AND day = ?"),
    };
  }

  /** The counter's figures, read from the rollups on first use; undefined when it was deleted. */
  of(id: string): Figures | undefined {
    let l = this.figures.get(id);
    if (!l) {
      const t = this.q.totals.get(id) as { hits: number; visitors: number } | undefined;
      if (!t) return undefined;
      l = { hits: t.hits, visitors: t.visitors, days: new Map(), epoch: ++this.epochs, stored: new Map() };
      this.figures.set(id, l);
    }
    return l;
  }

  /** Only the figures already in memory (a counter not hit since start has none). */
  peek(id: string): Figures | undefined {
    return this.figures.get(id);
  }

  /** One local day's totals of a counter. */
  day(id: string, day: string): DayTotals {
    return this.figures.get(id)?.days.get(day) ?? this.dayFromDb(id, day);
  }

  /** The fold stored everything up to journal seq `seq`. */
  folded(seq: number): void {
    this.visitors.folded(seq);
  }

  /** Drops figures of days before `day`. */
  forgetBefore(day: string): void {
    for (const l of this.figures.values()) {
      for (const d of l.days.keys()) if (d < day) l.days.delete(d);
      for (const d of l.stored.keys()) if (d < day) l.stored.delete(d);
    }
    this.visitors.forgetBefore(day);
  }

  /**
   * After an edit that folded the journal up to `foldedTo` and changed the rollups: the
   * counter's figures are read again, and the batches journalled after that fold (committed
   * while the edit waited) are added on top, as the next fold will add them.
   */
  reread(id: string, foldedTo: number | undefined): void {
    this.figures.delete(id);
    const l = this.of(id);
    const last = this.journal.lastSeq;
    if (!l || foldedTo === undefined || foldedTo >= last) return;
    const rows = this.journal.read(foldedTo, last, Number.MAX_SAFE_INTEGER);
    const delta = mergeEntries(rows.map((r) => r.data)).get(id);
    if (!delta) return;
    // As the fold will: every visitor the journal holds as new counts once, on its day.
    const freshByDay = new Map<string, number>();
    for (const [hash, hour] of delta.visitors) {
      const day = hour.slice(0, 10);
      this.visitors.record(l, day, hash, last);
      freshByDay.set(day, (freshByDay.get(day) ?? 0) + 1);
    }
    l.hits += delta.hits;
    l.visitors += delta.visitors.size;
    for (const [day, hits] of delta.days) {
      const prev = this.dayFromDb(id, day);
      l.days.set(day, { day, hits: prev.hits + hits, visitors: prev.visitors + (freshByDay.get(day) ?? 0) });
    }
  }

  private dayFromDb(id: string, day: string): DayTotals {
    const r = this.q.getDay.get(id, day) as { hits: number; visitors: number } | undefined;
    return { day, hits: r?.hits ?? 0, visitors: r?.visitors ?? 0 };
  }

  /** Commits a batch: its journal row, then the figures; returns the totals after it. */
  apply(batch: Batch): Map<string, CommittedTotals> {
    // One process writes this file, so a batch is never in doubt; the recent ids only keep
    // the contract (a repeated batch id is not added twice) for a caller that retries.
    if (this.recentBatches.has(batch.id)) {
      const now = new Map<string, CommittedTotals>();
      for (const e of batch.entries) {
        const l = this.of(e.counterId);
        if (!l) continue;
        const t = now.get(e.counterId) ?? { hits: l.hits, visitors: l.visitors, days: [] };
        const day = e.hour.slice(0, 10);
        if (!t.days.some((d) => d.day === day)) t.days.push(l.days.get(day) ?? this.dayFromDb(e.counterId, day));
        now.set(e.counterId, t);
      }
      return now;
    }
    const out = new Map<string, CommittedTotals>();
    // Per entry, its new visitors for the journal (undefined: the counter was deleted).
    const newVisitors: (string[] | undefined)[] = [];
    // The counters' live figures and their totals after this batch, and the new visitors
    // ([figures, day, hash] triples, flat): memory moves only once the append succeeded.
    const touched: [Figures, CommittedTotals][] = [];
    const adds: unknown[] = [];
    let hour = "";
    let day = "";
    for (const e of batch.entries) {
      const id = e.counterId;
      const l = this.of(id);
      if (!l) {
        newVisitors.push(undefined); // deleted while its hits were pending
        continue;
      }
      if (e.hour !== hour) {
        hour = e.hour;
        day = hour.slice(0, 10);
      }
      let news = NONE;
      for (const hash of e.visitors) {
        if (!this.visitors.isNew(l, id, day, hash)) continue;
        if (news === NONE) news = [];
        news.push(hash);
        adds.push(l, day, hash);
      }
      newVisitors.push(news);
      let t = out.get(id);
      if (!t) {
        t = { hits: l.hits, visitors: l.visitors, days: [] };
        out.set(id, t);
        touched.push([l, t]);
      }
      t.hits += e.hits;
      t.visitors += news.length;
      let dt: DayTotals | undefined;
      for (const d of t.days) if (d.day === day) dt = d;
      if (!dt) {
        const prev = l.days.get(day) ?? this.dayFromDb(id, day);
        dt = { day, hits: prev.hits, visitors: prev.visitors };
        t.days.push(dt);
      }
      dt.hits += e.hits;
      dt.visitors += news.length;
    }
    // The commit point: once this append returns, the batch survives kill -9.
    this.journal.write(encodeBatch(batch, newVisitors));
    this.recentBatches.add(batch.id);
    if (this.recentBatches.size > RECENT_BATCHES)
      this.recentBatches.delete(this.recentBatches.values().next().value as string);
    // Only now does memory move forward, so a failed append leaves no trace.
    for (const [l, totals] of touched) {
      l.hits = totals.hits;
      l.visitors = totals.visitors;
      for (const t of totals.days) l.days.set(t.day, t);
    }
    const seq = this.journal.lastSeq;
    for (let i = 0; i < adds.length; i += 3)
      this.visitors.record(adds[i] as Figures, adds[i + 1] as string, adds[i + 2] as string, seq);
    return out;
  }
}
