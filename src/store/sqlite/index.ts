// The embedded store: hitcounter.db (settings and rollups) plus journal/ (committed batches).
// A batch is made durable by one small append to the journal; a worker thread folds the
// journal into the rollups in large transactions (fold.ts), so the cost of a commit doesn't
// grow with the number of counters a batch touches. Totals and today's visitors are kept in
// memory from the first time a counter is hit, so answers are exact before the fold.
// SQLITE_SYNC=normal survives a killed process (an append is in the OS cache before it
// returns); "full" also survives a power cut.

import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import { startWorker } from "../../workers/start.js";
import { DEFAULT_DIM_CAP, OTHER } from "../caps.js";
import { CHANGE_COLUMNS } from "../counter-columns.js";
import type {
  Batch,
  CommittedTotals,
  CounterChange,
  CounterListing,
  CounterRow,
  CurrentTotals,
  DayTotals,
  DimCount,
  SeriesPoint,
  Store,
} from "../store.js";
import { Folder } from "./fold.js";
import type { WriteMessage, WriteStatement } from "./fold-worker.js";
import { JournalLog } from "./journal-log.js";
import { encodeBatch, mergeEntries } from "./journal-rows.js";
import { lockDataDir } from "./lock.js";
import { openRollups } from "./open.js";
import { VisitorDays, type VisitorTrack } from "./visitor-days.js";

export interface SqliteOptions {
  /** Folder for hitcounter.db and journal/. */
  dataDir: string;
  sync?: "normal" | "full";
  dimCap?: number;
  /** Memory for the visitor hashes kept to tell new visitors (visitor-days.ts); tests shrink it. */
  visitorBudgetBytes?: number;
  /** Called when something goes wrong that no request will report (logging). */
  onWarning?: (message: string, err?: unknown) => void;
}

const RECENT_BATCHES = 1_000;
/** An entry's new visitors when it has none: shared, never added to. */
const NONE: string[] = [];

const INSERT_COUNTER = `INSERT INTO counters (id, token_hash, label, origins, public, time_zone, dedupe_seconds, show,
        honor_privacy, created_at, hits, visitors, revision)
       VALUES (@id, @token_hash, @label, @origins, @public, @time_zone, @dedupe_seconds, @show,
        @honor_privacy, @created_at, @hits, @visitors, @revision)`;

const LIST_COUNTERS = `SELECT c.id, c.label, c.created_at AS createdAt, c.hits, COALESCE(d.hits, 0) AS hitsToday,
    c.blocked = 1 AS blocked
  FROM counters c LEFT JOIN daily d ON d.counter_id = c.id AND d.day = ?`;

interface RawCounter {
  id: string;
  token_hash: string;
  label: string;
  origins: string;
  public: number;
  time_zone: string;
  dedupe_seconds: number;
  show: string;
  honor_privacy: number;
  created_at: number;
  hits: number;
  visitors: number;
  revision: number;
  blocked: number;
}

/** A counter's committed figures, ahead of the rollups by what the journal holds. */
interface Live extends VisitorTrack {
  hits: number;
  visitors: number;
  days: Map<string, DayTotals>;
}

function toRow(r: RawCounter): CounterRow {
  return {
    id: r.id,
    tokenHash: r.token_hash,
    label: r.label,
    origins: JSON.parse(r.origins) as string[],
    public: r.public === 1,
    timeZone: r.time_zone,
    dedupeSeconds: r.dedupe_seconds,
    show: r.show === "visitors" ? "visitors" : "hits",
    honorPrivacySignals: r.honor_privacy === 1,
    createdAt: r.created_at,
    hits: r.hits,
    visitors: r.visitors,
    revision: r.revision,
    blocked: r.blocked === 1,
  };
}

function toColumn(key: keyof CounterChange, value: unknown): unknown {
  if (key === "origins") return JSON.stringify(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}

/**
 * Opens the SQLite store, folding whatever a previous process left in the journal first.
 * @example const store = openSqlite({ dataDir: "./data" });
 */
export function openSqlite(opts: SqliteOptions): Store {
  const sync = opts.sync ?? "normal";
  const cap = opts.dimCap ?? DEFAULT_DIM_CAP;
  const unlock = lockDataDir(opts.dataDir);
  let db: Database.Database;
  let journal: JournalLog;
  let recovered: number;
  const shared = JournalLog.shared();
  const warn = opts.onWarning ?? (() => {});
  // Damaged journal records are skipped, never block the fold: the loss is stated in the log,
  // in /metrics and in /healthz.
  const health = { lostRecords: 0, problems: [] as string[] };
  const damaged = (from: number, to: number) => {
    health.lostRecords += to - from + 1;
    const problem = `journal records ${from} to ${to} were damaged and skipped: their hits are missing from the stats`;
    if (health.problems.length < 10) health.problems.push(problem);
    warn(problem);
  };
  try {
    db = openRollups(opts.dataDir, sync);
    journal = JournalLog.writer(opts.dataDir, { sync, shared, onDamage: damaged });
    // Recovery: a killed process leaves committed batches in the journal; fold them now.
    const folder = new Folder(db, cap);
    recovered = folder.foldAll(journal);
    journal.forget(recovered);
    journal.continueAfter(recovered);
  } catch (err) {
    unlock();
    throw err;
  }

  const worker = startWorker(new URL("./fold-worker.ts", import.meta.url), {
    dataDir: opts.dataDir,
    sync,
    cap,
    shared,
  });
  worker.unref();
  const visitors = new VisitorDays(db, opts.visitorBudgetBytes);
  let folded = recovered;
  let foldError: string | undefined;
  const waiters: (() => void)[] = [];
  const writes = new Map<number, { resolve: (seq: number | undefined) => void; reject: (e: Error) => void }>();
  let lastWrite = 0;
  worker.on(
    "message",
    (m: { type: string; seq?: number; message?: string; n?: number; error?: string; from?: number; to?: number }) => {
      if (m.type === "written") {
        const w = writes.get(m.n as number);
        writes.delete(m.n as number);
        if (m.error === undefined) w?.resolve(m.seq);
        else w?.reject(new Error(m.error));
      } else if (m.type === "folded") {
        folded = m.seq ?? folded;
        foldError = undefined;
        journal.forget(folded);
        visitors.folded(folded);
      } else if (m.type === "error") {
        foldError = m.message;
      } else if (m.type === "damaged") {
        damaged(m.from as number, m.to as number);
      }
      for (const w of waiters.splice(0)) w();
    },
  );
  // A worker that failed or exited can't answer: whatever waits on it fails instead of hanging.
  let gone: Error | undefined;
  const workerGone = (err: Error) => {
    gone ??= err;
    foldError = err.message;
    for (const w of waiters.splice(0)) w();
    for (const w of writes.values()) w.reject(err);
    writes.clear();
  };
  worker.on("error", workerGone);
  worker.on("exit", (code) => workerGone(new Error(`the fold worker exited (code ${code})`)));
  const nextMessage = () => new Promise<void>((resolve) => waiters.push(resolve));

  // An unref'd worker doesn't keep the process alive; while anything waits on it, it must.
  let holds = 0;
  const hold = () => holds++ === 0 && worker.ref();
  const release = () => --holds === 0 && worker.unref();

  /** Waits until everything journalled so far is in the rollups (for reads). */
  async function settle(): Promise<void> {
    const target = journal.lastSeq;
    hold();
    try {
      while (folded < target) {
        if (gone) throw gone;
        const next = nextMessage();
        worker.postMessage({ type: "fold" });
        await next;
        if (foldError && folded < target) throw new Error(`fold failed: ${foldError}`);
      }
    } finally {
      release();
    }
  }

  /**
   * Runs statements in one transaction on the fold worker's connection: the only writer of
   * hitcounter.db, so the event loop never waits on its lock (see fold-worker.ts).
   */
  async function write(
    statements: WriteStatement[],
    opts: { fold?: boolean; forgetKeys?: boolean } = {},
  ): Promise<number | undefined> {
    const n = ++lastWrite;
    const done = new Promise<number | undefined>((resolve, reject) => writes.set(n, { resolve, reject }));
    hold();
    try {
      if (gone) throw gone;
      worker.postMessage({ type: "write", n, statements, ...opts } satisfies WriteMessage);
      return await done;
    } finally {
      writes.delete(n);
      release();
    }
  }

  const live = new Map<string, Live>();
  const recentBatches = new Set<string>();
  let closing: Promise<void> | undefined;

  const q = {
    getCounter: db.prepare("SELECT * FROM counters WHERE id = ?"),
    getDay: db.prepare("SELECT hits, visitors FROM daily WHERE counter_id = ? AND day = ?"),
    revision: db.prepare("SELECT revision FROM counters WHERE id = ?").pluck(),
    totals: db.prepare("SELECT hits, visitors FROM counters WHERE id = ?"),
    getSalt: db.prepare("SELECT salt FROM salts WHERE day = ?").pluck(),
    daily: db.prepare(
      "SELECT day AS bucket, hits, visitors FROM daily WHERE counter_id = ? AND day >= ? AND day <= ? ORDER BY day",
    ),
    hourly: db.prepare(
      "SELECT hour AS bucket, hits, visitors FROM hourly WHERE counter_id = ? AND hour >= ? AND hour <= ? ORDER BY hour",
    ),
    breakdown: db.prepare(
      `SELECT value, SUM(hits) AS hits FROM dims WHERE counter_id = ? AND dim = ? AND day >= ? AND day <= ?
       GROUP BY value ORDER BY hits DESC, value LIMIT ?`,
    ),
    list: {
      created: db.prepare(`${LIST_COUNTERS} ORDER BY c.created_at DESC, c.id LIMIT ?`),
      hits_today: db.prepare(`${LIST_COUNTERS} ORDER BY hitsToday DESC, c.created_at DESC LIMIT ?`),
    },
  };

  const dayFromDb = (id: string, day: string): DayTotals => {
    const r = q.getDay.get(id, day) as { hits: number; visitors: number } | undefined;
    return { day, hits: r?.hits ?? 0, visitors: r?.visitors ?? 0 };
  };

  /** Each figures object gets its own epoch: a counter re-read after an edit starts afresh. */
  let epochs = 0;

  /** The in-memory figures of a counter; undefined when it was deleted. */
  const liveOf = (id: string): Live | undefined => {
    let l = live.get(id);
    if (!l) {
      const t = q.totals.get(id) as { hits: number; visitors: number } | undefined;
      if (!t) return undefined;
      l = { hits: t.hits, visitors: t.visitors, days: new Map(), epoch: ++epochs, stored: new Map() };
      live.set(id, l);
    }
    return l;
  };

  /** Statements that drop a counter's rollups, then run `then` on its row. */
  const clearRollups = (id: string, then: string): WriteStatement[] => [
    ...["daily", "hourly", "dims", "dim_counts", "visitor_days"].map(
      (t): WriteStatement => [`DELETE FROM ${t} WHERE counter_id = ?`, [id]],
    ),
    [then, [id]],
  ];

  /**
   * Counter edits go straight to the rollups: fold first, then re-read the counter's figures.
   * Batches committed while the edit waited on the worker sit in the journal after the fold it
   * ran behind: the next fold adds them on top of the edited figures, and so does this.
   */
  const edit = async (id: string, statements: WriteStatement[]) => {
    const foldedTo = await write(statements, { fold: true, forgetKeys: true });
    live.delete(id);
    const l = liveOf(id);
    if (!l || foldedTo === undefined || foldedTo >= journal.lastSeq) return;
    const rows = journal.read(foldedTo, journal.lastSeq, Number.MAX_SAFE_INTEGER);
    const d = mergeEntries(rows.map((r) => r.data)).get(id);
    if (!d) return;
    // As the fold will: every visitor the journal holds as new counts once, on its day.
    const freshByDay = new Map<string, number>();
    for (const [hash, hour] of d.visitors) {
      const day = hour.slice(0, 10);
      visitors.record(l, day, hash, journal.lastSeq);
      freshByDay.set(day, (freshByDay.get(day) ?? 0) + 1);
    }
    l.hits += d.hits;
    l.visitors += d.visitors.size;
    for (const [day, hits] of d.days) {
      const prev = dayFromDb(id, day);
      l.days.set(day, { day, hits: prev.hits + hits, visitors: prev.visitors + (freshByDay.get(day) ?? 0) });
    }
  };

  return {
    kind: "sqlite",
    health: () => health,
    async createCounter(row) {
      await write([
        [
          INSERT_COUNTER,
          {
            id: row.id,
            token_hash: row.tokenHash,
            label: row.label,
            origins: JSON.stringify(row.origins),
            public: row.public ? 1 : 0,
            time_zone: row.timeZone,
            dedupe_seconds: row.dedupeSeconds,
            show: row.show,
            honor_privacy: row.honorPrivacySignals ? 1 : 0,
            created_at: row.createdAt,
            hits: row.hits,
            visitors: row.visitors,
            revision: row.revision,
          },
        ],
      ]);
    },
    async getCounter(id) {
      const r = q.getCounter.get(id) as RawCounter | undefined;
      if (!r) return undefined;
      const row = toRow(r);
      const l = live.get(id);
      if (l) {
        row.hits = l.hits;
        row.visitors = l.visitors;
      }
      return row;
    },
    async getDay(id, day) {
      return live.get(id)?.days.get(day) ?? dayFromDb(id, day);
    },
    async updateCounter(id, settings) {
      const keys = Object.keys(settings) as (keyof CounterChange)[];
      if (keys.length === 0) return;
      const sets = keys.map((k) => `${CHANGE_COLUMNS[k]} = ?`).join(", ");
      await write([
        [
          `UPDATE counters SET ${sets}, revision = revision + 1 WHERE id = ?`,
          [...keys.map((k) => toColumn(k, settings[k])), id],
        ],
      ]);
    },
    async setHits(id, hits) {
      await edit(id, [["UPDATE counters SET hits = ?, revision = revision + 1 WHERE id = ?", [hits, id]]]);
    },
    async deleteCounter(id) {
      await edit(id, clearRollups(id, "DELETE FROM counters WHERE id = ?"));
    },
    async resetCounter(id) {
      await edit(
        id,
        clearRollups(id, "UPDATE counters SET hits = 0, visitors = 0, revision = revision + 1 WHERE id = ?"),
      );
    },
    async applyBatch(batch: Batch) {
      // One process writes this file, so a batch is never in doubt; the recent ids only keep
      // the contract (a repeated batch id is not added twice) for a caller that retries.
      if (recentBatches.has(batch.id)) {
        const now = new Map<string, CommittedTotals>();
        for (const e of batch.entries) {
          const l = liveOf(e.counterId);
          if (!l) continue;
          const t = now.get(e.counterId) ?? { hits: l.hits, visitors: l.visitors, days: [] };
          const day = e.hour.slice(0, 10);
          if (!t.days.some((d) => d.day === day)) t.days.push(l.days.get(day) ?? dayFromDb(e.counterId, day));
          now.set(e.counterId, t);
        }
        return now;
      }
      const out = new Map<string, CommittedTotals>();
      // Per entry, its new visitors for the journal (undefined: the counter was deleted).
      const fresh: (string[] | undefined)[] = [];
      // The counters' live figures and their totals after this batch, and the new visitors
      // ([figures, day, hash] triples, flat): memory moves only once the append succeeded.
      const touched: [Live, CommittedTotals][] = [];
      const adds: unknown[] = [];
      let hour = "";
      let day = "";
      for (const e of batch.entries) {
        const id = e.counterId;
        const l = liveOf(id);
        if (!l) {
          fresh.push(undefined); // deleted while its hits were pending
          continue;
        }
        if (e.hour !== hour) {
          hour = e.hour;
          day = hour.slice(0, 10);
        }
        let news = NONE;
        for (const hash of e.visitors) {
          if (!visitors.isNew(l, id, day, hash)) continue;
          if (news === NONE) news = [];
          news.push(hash);
          adds.push(l, day, hash);
        }
        fresh.push(news);
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
          const prev = l.days.get(day) ?? dayFromDb(id, day);
          dt = { day, hits: prev.hits, visitors: prev.visitors };
          t.days.push(dt);
        }
        dt.hits += e.hits;
        dt.visitors += news.length;
      }
      // The commit point: once this append returns, the batch survives kill -9.
      journal.write(encodeBatch(batch, fresh));
      recentBatches.add(batch.id);
      if (recentBatches.size > RECENT_BATCHES) recentBatches.delete(recentBatches.values().next().value as string);
      // Only now does memory move forward, so a failed append leaves no trace.
      for (const [l, totals] of touched) {
        l.hits = totals.hits;
        l.visitors = totals.visitors;
        for (const t of totals.days) l.days.set(t.day, t);
      }
      const seq = journal.lastSeq;
      for (let i = 0; i < adds.length; i += 3)
        visitors.record(adds[i] as Live, adds[i + 1] as string, adds[i + 2] as string, seq);
      return out;
    },
    async totals(wanted) {
      const out = new Map<string, CurrentTotals>();
      for (const { id, day } of wanted) {
        const l = liveOf(id);
        if (!l) continue;
        const today = l.days.get(day) ?? dayFromDb(id, day);
        out.set(id, { hits: l.hits, visitors: l.visitors, today, revision: q.revision.get(id) as number });
      }
      return out;
    },
    async salt(day) {
      await write([["INSERT OR IGNORE INTO salts (day, salt) VALUES (?, ?)", [day, randomBytes(32)]]]);
      return q.getSalt.get(day) as Buffer;
    },
    async forgetBefore(day) {
      await write(
        [
          ["DELETE FROM salts WHERE day < ?", [day]],
          ["DELETE FROM visitor_days WHERE day < ?", [day]],
        ],
        { fold: true },
      );
      for (const l of live.values()) {
        for (const d of l.days.keys()) if (d < day) l.days.delete(d);
        for (const d of l.stored.keys()) if (d < day) l.stored.delete(d);
      }
      visitors.forgetBefore(day);
    },
    async daily(id, from, to) {
      await settle();
      return q.daily.all(id, from, to) as SeriesPoint[];
    },
    async hourly(id, fromHour, toHour) {
      await settle();
      return q.hourly.all(id, fromHour, toHour) as SeriesPoint[];
    },
    async breakdown(id, dim, from, to, limit) {
      await settle();
      return q.breakdown.all(id, dim, from, to, limit) as DimCount[];
    },
    async deleteBreakdownValue(id, dim, value) {
      // Folded first, so hits of the value still in the journal go too.
      const room: WriteStatement[] =
        value === OTHER
          ? []
          : [
              [
                `UPDATE dim_counts SET n = n - 1 WHERE counter_id = ? AND dim = ?
                 AND day IN (SELECT day FROM dims WHERE counter_id = ? AND dim = ? AND value = ?)`,
                [id, dim, id, dim, value],
              ],
            ];
      await write([...room, ["DELETE FROM dims WHERE counter_id = ? AND dim = ? AND value = ?", [id, dim, value]]], {
        fold: true,
        forgetKeys: true,
      });
    },
    async listCounters(sort, day, limit) {
      await settle();
      const rows = q.list[sort].all(day, limit) as (Omit<CounterListing, "blocked"> & { blocked: number })[];
      return rows.map((r) => ({ ...r, blocked: r.blocked === 1 }));
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };

  async function shutdown(): Promise<void> {
    await settle();
    const stopped = new Promise<void>((resolve) => {
      worker.on("message", (m: { type: string }) => m.type === "stopped" && resolve());
      worker.on("error", () => resolve());
      worker.on("exit", () => resolve());
    });
    worker.ref();
    worker.postMessage({ type: "stop" });
    await stopped;
    await worker.terminate();
    journal.forget(folded);
    journal.close();
    db.close();
    unlock();
  }
}
