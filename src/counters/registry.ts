// The in-memory view of counters the hit path reads: settings, committed totals and pending
// hits. A counter is read from the store once, when first seen; unknown ids are remembered in
// a bounded negative cache so a flood of random ids costs no store read after the first.
// This module is the only writer of a LiveCounter's fields: everyone else changes one through
// the functions below (used, pending, committed, added, refreshed, replaced, changed), so the rule
// that figures only move forward is written once.

import type { CommittedTotals, CounterChange, CounterRow, CurrentTotals, DayTotals, Store } from "../store/store.js";
import { localBucket } from "../time/zone.js";
import { Tally } from "./tally.js";

/** A counter as the hit path sees it; changed only through this module's functions. */
export interface LiveCounter {
  row: CounterRow;
  /** Hits accepted into a batch that has not committed yet. */
  pending: number;
  /** Visitor hashes in those batches (each may be a new visitor): at most this many more. */
  pendingVisitors: number;
  /** Today's committed figures, in the counter's time zone. */
  today: { day: string; hits: number; visitors: number };
  /** Last time (ms) this counter was hit or read; drives refresh and eviction. */
  lastUsed: number;
  /** This node's counted and refused hits today, for the operator's list. */
  tally: Tally;
}

const MAX_LIVE = 100_000;
const MAX_MISSING = 100_000;
const ID_SHAPE = /^[A-Za-z0-9_-]{4,32}$/;

export class Registry {
  private readonly live = new Map<string, LiveCounter>();
  private readonly loading = new Map<string, Promise<LiveCounter | undefined>>();
  private readonly missing = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /** The counter if it is already in memory; the hit path's fast case. */
  peek(id: string): LiveCounter | undefined {
    return this.live.get(id);
  }

  /** The counter, loading it from the store on first use; undefined when it doesn't exist. */
  async get(id: string): Promise<LiveCounter | undefined> {
    const c = this.live.get(id);
    if (c) return c;
    if (this.missing.has(id) || !ID_SHAPE.test(id)) return undefined;
    let p = this.loading.get(id);
    if (!p) {
      p = this.load(id).finally(() => this.loading.delete(id));
      this.loading.set(id, p);
    }
    return p;
  }

  private async load(id: string): Promise<LiveCounter | undefined> {
    const row = await this.store.getCounter(id);
    if (!row) {
      if (this.missing.size >= MAX_MISSING) this.missing.clear();
      this.missing.add(id);
      return undefined;
    }
    const day = localBucket(row.timeZone, this.now()).day;
    const today = await this.store.getDay(id, day);
    const existing = this.live.get(id); // loaded meanwhile by a concurrent call
    if (existing) return existing;
    const live: LiveCounter = { row, pending: 0, pendingVisitors: 0, today, lastUsed: this.now(), tally: new Tally() };
    this.evictIfFull();
    this.live.set(id, live);
    return live;
  }

  /** Registers a counter created by this node, so its first hit needs no store read. */
  add(row: CounterRow): LiveCounter {
    this.missing.delete(row.id);
    const live: LiveCounter = {
      row,
      pending: 0,
      pendingVisitors: 0,
      today: { day: localBucket(row.timeZone, this.now()).day, hits: 0, visitors: 0 },
      lastUsed: this.now(),
      tally: new Tally(),
    };
    this.evictIfFull();
    this.live.set(row.id, live);
    return live;
  }

  /** Forgets a counter (deleted, or its settings/totals changed underneath). */
  drop(id: string): void {
    this.live.delete(id);
  }

  /** Counters used since `since` (ms), for refreshing totals other nodes committed. */
  usedSince(since: number): LiveCounter[] {
    const out: LiveCounter[] = [];
    for (const c of this.live.values()) if (c.lastUsed >= since) out.push(c);
    return out;
  }

  private evictIfFull(): void {
    if (this.live.size < MAX_LIVE) return;
    // Map iteration is insertion order: drop the oldest idle tenth, never one with pending hits.
    let toDrop = MAX_LIVE / 10;
    for (const [id, c] of this.live) {
      if (toDrop === 0) break;
      if (c.pending === 0) {
        this.live.delete(id);
        toDrop--;
      }
    }
  }
}

/** The figures a counter shows now: committed plus this node's pending hits. */
export function currentFigures(c: LiveCounter, now: number) {
  return figuresOn(c, localBucket(c.row.timeZone, now).day);
}

/** The figures a counter shows when its local day is `day` (the hit path knows it already). */
export function figuresOn(c: LiveCounter, day: string) {
  const today = c.today.day === day ? c.today : { day, hits: 0, visitors: 0 };
  return {
    hits: c.row.hits + c.pending,
    visitors: c.row.visitors,
    today: { hits: today.hits, visitors: today.visitors },
  };
}

/** The counter was hit or read at `now` (drives refresh and eviction). */
export function used(c: LiveCounter, now: number): void {
  c.lastUsed = now;
}

/** `n` hits (with `visitors` hashes) joined a batch (positive) or left one, committed or failed (negative). */
export function pending(c: LiveCounter, n: number, visitors = 0): void {
  c.pending += n;
  c.pendingVisitors += visitors;
}

/**
 * Figures only move forward: a commit or a refresh that finished after a later one must not
 * take its figures back. `day` replaces today's when it is a later day, or merges into it.
 */
function forward(c: LiveCounter, hits: number, visitors: number, day: DayTotals | undefined): void {
  const row = c.row;
  if (hits > row.hits) row.hits = hits;
  if (visitors > row.visitors) row.visitors = visitors;
  if (!day) return;
  const t = c.today;
  if (day.day > t.day || (day.day === t.day && day.hits >= t.hits && day.visitors >= t.visitors)) c.today = day;
  else if (day.day === t.day && (day.hits > t.hits || day.visitors > t.visitors)) {
    c.today = { day: t.day, hits: Math.max(t.hits, day.hits), visitors: Math.max(t.visitors, day.visitors) };
  }
}

/** A batch holding the counter's hits committed: its totals after it, and `today`'s figures. */
export function committed(c: LiveCounter, totals: CommittedTotals, today: string): void {
  let day: DayTotals | undefined;
  for (const d of totals.days) if (d.day === today) day = d;
  forward(c, totals.hits, totals.visitors, day);
}

/**
 * A batch holding the counter's hits committed, in a store that answers with what it added
 * (commitReturns "added"): the node's figures grow by it. They stay a lower bound of the stored
 * ones, since a refresh never counts a batch that is still pending here (refreshed()).
 */
export function added(c: LiveCounter, gained: CommittedTotals, today: string): void {
  c.row.hits += gained.hits;
  c.row.visitors += gained.visitors;
  for (const d of gained.days) {
    if (d.day !== today) continue;
    if (c.today.day === today)
      c.today = { day: today, hits: c.today.hits + d.hits, visitors: c.today.visitors + d.visitors };
    else if (c.today.day < today) c.today = { day: today, hits: d.hits, visitors: d.visitors };
  }
}

/**
 * What the store holds now (other nodes' commits included), re-read by counters/refresh.ts.
 * A batch of this node's still pending may be in it already, or not; its answer will add it
 * (added()), so it is taken off here: a lower bound either way, never a hit twice.
 */
export function refreshed(c: LiveCounter, f: CurrentTotals): void {
  const v = c.pendingVisitors;
  const today = { day: f.today.day, hits: f.today.hits - c.pending, visitors: f.today.visitors - v };
  forward(c, f.hits - c.pending, f.visitors - v, today);
}

/**
 * The counter as the store holds it after a change made anywhere (settings, set count, reset):
 * taken as it is, even lower. Updated in place, so hits pending on this copy stay counted.
 */
export function replaced(c: LiveCounter, row: CounterRow, today: DayTotals): void {
  // Less what is pending here, as in refreshed(): the stored figures may hold it already.
  Object.assign(c.row, row, { hits: row.hits - c.pending, visitors: row.visitors - c.pendingVisitors });
  c.today = { day: today.day, hits: today.hits - c.pending, visitors: today.visitors - c.pendingVisitors };
}

/** Settings, the token hash or the block changed through this node (already stored). */
export function changed(c: LiveCounter, change: CounterChange): void {
  Object.assign(c.row, change);
}
