// Exact unique visitors on SQLite: whether a visitor hash is new for its counter and day.
// Every hash this process committed is kept per local day in a compact set (seen-hashes.ts)
// under a budget; the rollups' visitor_days table answers for everything before, and for
// everything once the budget is spent (then every unknown hash costs one indexed lookup). So no day of visitors is ever loaded into memory, a
// restart costs nothing on the hit path, and memory stays within VISITOR_BUDGET_BYTES.
// Each counter's figures object has an epoch (a reset gives it a new one, see index.ts), so
// hashes kept for a counter before its reset are not found again.

import type Database from "better-sqlite3";
import { SeenHashes } from "../seen-hashes.js";

/** What the sets of all days may take together (README "Memory"). */
export const VISITOR_BUDGET_BYTES = 48 * 1024 * 1024;
/** Hashes committed after the budget ran out, kept until the fold has stored them. */
const MAX_UNFOLDED = 100_000;

/** The part of a counter's figures this module keeps there. */
export interface VisitorTrack {
  epoch: number;
  /** Per local day: did visitor_days hold rows of the counter when this process first looked? */
  stored: Map<string, boolean>;
}

interface Unfolded {
  keys: Set<string>;
  /** The journal seq of the last batch whose hashes it holds. */
  upTo: number;
}

export class VisitorDays {
  private readonly days = new Map<string, SeenHashes>();
  private readonly budget = { used: 0, max: VISITOR_BUDGET_BYTES };
  /** The budget ran out today: unknown hashes are looked up in the store. */
  private full = false;
  /** Two generations of hashes the sets couldn't take; the older goes once the fold passed it. */
  private older: Unfolded = { keys: new Set(), upTo: 0 };
  private newer: Unfolded = { keys: new Set(), upTo: 0 };
  /**
   * Past MAX_UNFOLDED such hashes, until the fold has stored the last one that fit nowhere
   * (journal seq lostUpTo), an unknown hash is not counted new: an undercount, never a double.
   */
  private lost = false;
  private lostUpTo = 0;
  private readonly q;

  constructor(db: Database.Database, maxBytes = VISITOR_BUDGET_BYTES) {
    this.budget.max = maxBytes;
    this.q = {
      any: db.prepare("SELECT 1 FROM visitor_days WHERE counter_id = ? AND day = ? LIMIT 1").pluck(),
      has: db.prepare("SELECT 1 FROM visitor_days WHERE counter_id = ? AND day = ? AND hash = ?").pluck(),
    };
  }

  /** Bytes the sets hold now. */
  get bytes(): number {
    return this.budget.used;
  }

  /** Whether the counter's visitor `hash` is new on `day`; records nothing (see record). */
  isNew(t: VisitorTrack, id: string, day: string, hash: string): boolean {
    const set = this.days.get(day);
    if (set?.has(hash, t.epoch)) return false;
    if (this.full || this.older.keys.size + this.newer.keys.size > 0) {
      const k = `${t.epoch}\u0000${hash}`;
      if (this.older.keys.has(k) || this.newer.keys.has(k)) return false;
    }
    if (!this.full && !this.storedBefore(t, id, day)) return true;
    if (this.q.has.get(id, day, hash)) {
      // A fact about the store, whatever becomes of this batch: kept, so it is asked once.
      this.setOf(day).add(hash, t.epoch);
      return false;
    }
    return !this.lost;
  }

  /** Records a hash found new, once its batch is durable (journal seq `seq`). */
  record(t: VisitorTrack, day: string, hash: string, seq: number): void {
    if (this.setOf(day).add(hash, t.epoch) !== undefined) return;
    this.full = true;
    if (this.older.keys.size + this.newer.keys.size >= MAX_UNFOLDED) {
      this.lost = true;
      this.lostUpTo = seq;
      return;
    }
    this.newer.keys.add(`${t.epoch}\u0000${hash}`);
    this.newer.upTo = seq;
  }

  /** The fold has stored everything up to journal seq `seq`. */
  folded(seq: number): void {
    if (this.lost && seq >= this.lostUpTo) this.lost = false;
    if (this.older.upTo > seq) return;
    this.older = this.newer.upTo <= seq ? { keys: new Set(), upTo: 0 } : this.newer;
    this.newer = { keys: new Set(), upTo: 0 };
  }

  /** Drops the sets of days before `day` (their salts are gone, so are their hashes). */
  forgetBefore(day: string): void {
    for (const [d, set] of this.days) {
      if (d >= day) continue;
      set.release();
      this.days.delete(d);
    }
    // `full` stays: hashes that fit nowhere are found only in the store from then on.
  }

  private setOf(day: string): SeenHashes {
    let set = this.days.get(day);
    if (!set) {
      set = new SeenHashes(this.budget);
      this.days.set(day, set);
    }
    return set;
  }

  private storedBefore(t: VisitorTrack, id: string, day: string): boolean {
    let s = t.stored.get(day);
    if (s === undefined) {
      s = this.q.any.get(id, day) !== undefined;
      t.stored.set(day, s);
    }
    return s;
  }
}
