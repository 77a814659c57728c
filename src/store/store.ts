// The storage contract. SQLite and PostgreSQL implement it and run the same test suite
// (test/store/contract.test.ts). The hit path never calls it directly: only the committer
// writes batches, and the counter registry reads a counter once when it first sees it.

import type { Delivery, StoredMilestones } from "./milestones.js";

export type Show = "hits" | "visitors";

/** A counter's settings as stored. */
export interface CounterSettings {
  label: string;
  origins: string[];
  public: boolean;
  timeZone: string;
  dedupeSeconds: number;
  show: Show;
  /** Honour DNT: 1 / Sec-GPC: 1 by not counting such visits. */
  honorPrivacySignals: boolean;
}

/** A stored counter with its all-time totals. */
export interface CounterRow extends CounterSettings {
  id: string;
  tokenHash: string;
  createdAt: number;
  hits: number;
  /** Sum of daily unique visitors. */
  visitors: number;
  /**
   * Raised by every settings change, set count and reset: how nodes sharing a database notice
   * a change another node made (counters/refresh.ts).
   */
  revision: number;
  /** Blocked by the operator: embeds show the picture without counting, management answers 403. */
  blocked: boolean;
}

/** What updateCounter may change: settings, and the token hash and block that are not settings. */
export type CounterChange = Partial<CounterSettings> & { tokenHash?: string; blocked?: boolean };

/** A counter as the operator's list shows it (admin API). */
export interface CounterListing {
  id: string;
  label: string;
  createdAt: number;
  hits: number;
  /** Hits on the day asked for (the operator's "today"). */
  hitsToday: number;
  blocked: boolean;
}

export interface DayTotals {
  day: string;
  hits: number;
  visitors: number;
}

/**
 * One counter's hits within one local hour of a batch. A batch nearly always holds one entry
 * per counter; a counter whose hour turned while the batch was open has one per hour.
 */
export interface BatchEntry {
  counterId: string;
  /** Local hour "YYYY-MM-DDTHH"; its first ten characters are the local day. */
  hour: string;
  hits: number;
  /**
   * Breakdown hits as flat pairs [place, hits, place, hits, …]: a place in the batch's
   * `values`. A value may appear in several pairs; the store adds them up.
   */
  dims: number[];
  /** Visitor hashes of this entry's hits, each once per batch (a hash is per counter and day). */
  visitors: string[];
}

/**
 * One group commit: applied atomically, at most once per id. Kept flat (places into one table
 * of values, arrays rather than maps) because it is built on the hit path: a hit adds numbers
 * to arrays and allocates nothing of its own once its value is in the table.
 */
export interface Batch {
  id: string;
  /** Breakdown values as "dim\u0000value" ("page\u0000/about", "browser\u0000Firefox"). */
  values: string[];
  entries: BatchEntry[];
}

/** Everything one counter gained, merged across entries (and, for the SQLite fold, batches). */
export interface CounterDelta {
  hits: number;
  /** local day -> hits */
  days: Map<string, number>;
  /** local hour "YYYY-MM-DDTHH" -> hits */
  hours: Map<string, number>;
  /** "day\u0000dim\u0000value" -> hits, for pages, referrers and other breakdowns */
  dims: Map<string, number>;
  /** visitor hash -> the local hour of its first hit ("YYYY-MM-DDTHH") */
  visitors: Map<string, string>;
  /** New visitors known only by number (imports): local hour (or day, without hours) -> how many. */
  visitorCounts?: Map<string, number>;
}

/** What a counter looks like after a batch committed (or what it gained: commitReturns). */
export interface CommittedTotals {
  hits: number;
  visitors: number;
  /** Totals of every local day the batch touched. */
  days: DayTotals[];
}

export interface CurrentTotals {
  hits: number;
  visitors: number;
  today: DayTotals;
  revision: number;
}

export interface SeriesPoint {
  /** "YYYY-MM-DD" or "YYYY-MM-DDTHH" */
  bucket: string;
  hits: number;
  visitors: number;
}

export interface DimCount {
  value: string;
  hits: number;
}

/** Visitor-minutes a node counted ("online": live/online.ts), as parallel arrays. */
export interface Sightings {
  counters: string[];
  /** Visitor hashes (per counter and day). */
  visitors: string[];
  /** Minutes (ms / 60,000). */
  minutes: number[];
}

/** What is wrong with a store that no request reports (/healthz, /metrics). */
export interface StoreHealth {
  /** Journal records found damaged and skipped (their batches are lost). */
  lostRecords: number;
  problems: string[];
  /** Where nodes share the store: whether this node folds the journal now (PostgreSQL). */
  foldLeader?: boolean;
}

/** What a store can do, which the app wires itself by (never by the store's kind). */
export interface StoreCapabilities {
  /** Several nodes share it: each re-reads totals the others committed (counters/refresh.ts). */
  sharedByNodes: boolean;
  /** Commits that may run at once (1 where writes are serial anyway). */
  commitConcurrency: number;
  /**
   * What applyBatch answers: each counter's totals after the batch ("totals", the default), or
   * only what the batch added ("added": a store whose nodes don't learn other nodes' commits
   * on their own, which the refresh then brings).
   */
  commitReturns?: "totals" | "added";
  /** SQL statements sent so far, where the store counts them (/metrics, the bench). */
  statements?: () => number;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  readonly capabilities: StoreCapabilities;
  health(): StoreHealth;
  createCounter(row: CounterRow): Promise<void>;
  getCounter(id: string): Promise<CounterRow | undefined>;
  /** Today's (or any day's) totals for a counter. */
  getDay(id: string, day: string): Promise<DayTotals>;
  /** Changes settings (or the token hash, or the block) and raises the revision. */
  updateCounter(id: string, change: CounterChange): Promise<void>;
  /** Sets the all-time hit total (migrating from another counter). */
  setHits(id: string, hits: number): Promise<void>;
  /** Removes the counter and everything counted for it. */
  deleteCounter(id: string): Promise<void>;
  /** Clears all counts of a counter, keeping its settings. */
  resetCounter(id: string): Promise<void>;
  /**
   * Applies a batch in one transaction; a batch id already applied is skipped (idempotent).
   * `inDoubt` is called if its commit's answer was lost and it is being retried until the
   * database tells (the committer then stops counting it against its concurrency).
   */
  applyBatch(batch: Batch, inDoubt?: () => void): Promise<Map<string, CommittedTotals>>;
  /**
   * Current totals, one day's figures and the revision of several counters (other nodes' hits
   * and changes included); a deleted counter is missing from the answer.
   */
  totals(wanted: { id: string; day: string }[]): Promise<Map<string, CurrentTotals>>;
  /** The salt for a local day, created on first use; shared by every node. */
  salt(day: string): Promise<Buffer>;
  /** Forgets salts and visitor hashes of days before `day`. */
  forgetBefore(day: string): Promise<void>;
  daily(id: string, from: string, to: string): Promise<SeriesPoint[]>;
  hourly(id: string, fromHour: string, toHour: string): Promise<SeriesPoint[]>;
  breakdown(id: string, dim: string, from: string, to: string, limit: number): Promise<DimCount[]>;
  /** Removes one breakdown value of a counter on every day (its room under the caps too). */
  deleteBreakdownValue(id: string, dim: string, value: string): Promise<void>;
  /** Up to `limit` counters, newest first or most hits on `day` first, for the operator. */
  listCounters(sort: "created" | "hits_today", day: string, limit: number): Promise<CounterListing[]>;
  /**
   * Where nodes share the store: keeps this node's sightings and answers, for the `watched`
   * counters, the distinct visitors sighted on any node in minutes from `sinceMinute` on.
   */
  shareOnline?(sightings: Sightings, watched: string[], sinceMinute: number): Promise<Map<string, number>>;
  /**
   * Adds an import's figures (imports/) straight to the rollups, with the breakdown caps, in
   * one transaction with the record of `key`; false, changing nothing, when that key was
   * imported into the counter before. Raises the revision (other nodes re-read the counter).
   */
  importRollups(id: string, key: string, delta: CounterDelta): Promise<boolean>;
  /**
   * Where the store is a file (SQLite): a consistent copy of it at `file`, taken online, with
   * every batch committed before the call folded in. PostgreSQL has pg_dump.
   */
  backup?(file: string): Promise<void>;
  /** The counter's milestone webhook (with its secret), or undefined. */
  getMilestones(id: string): Promise<StoredMilestones | undefined>;
  /** Sets the milestone webhook, or removes it (undefined); its pending deliveries stay. */
  setMilestones(id: string, m: StoredMilestones | undefined): Promise<void>;
  /**
   * Claims up to `limit` pending deliveries due at `now` for `leaseMs`: no node is given them
   * again before the lease ends (unless deliveryAttempted says so).
   */
  dueDeliveries(now: number, leaseMs: number, limit: number): Promise<Delivery[]>;
  /** An attempt ended: delivered, failed for good, or pending again from `nextAt` on. */
  deliveryAttempted(id: string, status: Delivery["status"], error: string | null, nextAt: number): Promise<void>;
  /** The counter's latest deliveries, newest first (the dashboard). */
  deliveries(id: string, limit: number): Promise<Delivery[]>;
  close(): Promise<void>;
}
