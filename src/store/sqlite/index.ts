// The embedded store: hitcounter.db (settings and rollups) plus journal/ (committed batches).
// A batch is made durable by one small append to the journal; a worker thread folds the
// journal into the rollups in large transactions (fold.ts), so the cost of a commit doesn't
// grow with the number of counters a batch touches. Totals and today's visitors are kept in
// memory from the first time a counter is hit, so answers are exact before the fold
// (live-figures.ts); the worker is driven from fold-client.ts. This module wires them.
// SQLITE_SYNC=normal survives a killed process (an append is in the OS cache before it
// returns); "full" also survives a power cut.

import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import { DEFAULT_DIM_CAP, OTHER } from "../caps.js";
import { unavailable } from "../errors.js";
import { deleteDeliveriesQuery } from "../sql/deliveries.js";
import {
  CHANGE_COLUMNS,
  changeValue,
  insertCounter,
  insertValues,
  type RawCounter,
  ROLLUP_TABLES,
  SQLITE_PARAM,
  toListing,
  toRow,
} from "../sql/vocabulary.js";
import type { Batch, CounterChange, CounterDelta, CurrentTotals, DimCount, SeriesPoint, Store } from "../store.js";
import { RollupWriter } from "./fold.js";
import { FoldClient, type WriteStatement } from "./fold-client.js";
import { JournalLog } from "./journal-log.js";
import { LiveFigures } from "./live-figures.js";
import { lockDataDir } from "./lock.js";
import { openRollups } from "./open.js";
import { type ReadRequest, readClient } from "./read-client.js";
import { webhookMethods } from "./webhooks.js";

/** SQLite keeps booleans as 0/1. */
const sqliteBool = (b: boolean) => (b ? 1 : 0);
const INSERT_COUNTER = insertCounter(SQLITE_PARAM);

export interface SqliteOptions {
  /** RollupWriter for hitcounter.db and journal/. */
  dataDir: string;
  sync?: "normal" | "full";
  dimCap?: number;
  /** Memory for the visitor hashes kept to tell new visitors (visitor-days.ts); tests shrink it. */
  visitorBudgetBytes?: number;
  /** Called when something goes wrong that no request will report (logging). */
  onWarning?: (message: string, err?: unknown) => void;
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
    const folder = new RollupWriter(db, cap);
    recovered = folder.foldAll(journal);
    journal.forget(recovered);
    journal.continueAfter(recovered);
  } catch (err) {
    unlock();
    throw err;
  }

  const figures = new LiveFigures(db, journal, opts.visitorBudgetBytes);
  const fold = new FoldClient({
    data: { dataDir: opts.dataDir, sync, cap, shared },
    folded: recovered,
    lastSeq: () => journal.lastSeq,
    onFolded: (seq) => {
      journal.forget(seq);
      figures.folded(seq);
    },
    onDamage: damaged,
    // The worker goes on and tries again; a read waiting on the fold gets the error itself.
    onError: (message, stack) =>
      warn(`fold failed: ${message}`, stack ? Object.assign(new Error(message), { stack }) : undefined),
  });
  // A worker that can't answer is a store that can't: the one error of every store.
  const settle = () => fold.settle().catch((err) => Promise.reject(unavailable(err)));
  const write = (
    statements: WriteStatement[],
    o?: { fold?: boolean; forgetKeys?: boolean; rollups?: Map<string, CounterDelta> },
  ) => fold.write(statements, o).catch((err) => Promise.reject(unavailable(err)));
  // Stats reads run on a worker of their own, off the event loop (read-worker.ts).
  const readWorker = readClient(opts.dataDir);
  const reads = {
    ask: (r: ReadRequest) => readWorker.ask(r).catch((err) => Promise.reject(unavailable(err))),
    close: () => readWorker.close(),
  };

  let closing: Promise<void> | undefined;

  const q = {
    getCounter: db.prepare("SELECT * FROM counters WHERE id = ?"),
    revision: db.prepare("SELECT revision FROM counters WHERE id = ?").pluck(),
    getSalt: db.prepare("SELECT salt FROM salts WHERE day = ?").pluck(),
    imported: db.prepare("SELECT 1 FROM imports WHERE counter_id = ? AND key = ?").pluck(),
  };

  /** Statements that drop a counter's rollups, then run `then` on its row. */
  const clearRollups = (id: string, then: string): WriteStatement[] => [
    ...ROLLUP_TABLES.map((t): WriteStatement => [`DELETE FROM ${t} WHERE counter_id = ?`, [id]]),
    [then, [id]],
  ];

  /**
   * Counter edits go straight to the rollups: fold first, then re-read the counter's figures.
   * Batches committed while the edit waited on the worker sit in the journal after the fold it
   * ran behind: the next fold adds them on top of the edited figures, and so does this.
   */
  const edit = async (id: string, statements: WriteStatement[]) => {
    figures.reread(id, await write(statements, { fold: true, forgetKeys: true }));
  };

  return {
    kind: "sqlite",
    // One process writes the file, one commit at a time.
    capabilities: { sharedByNodes: false, commitConcurrency: 1 },
    health: () => health,
    async createCounter(row) {
      await write([[INSERT_COUNTER, insertValues(row, sqliteBool)]]);
    },
    async getCounter(id) {
      const r = q.getCounter.get(id) as RawCounter | undefined;
      if (!r) return undefined;
      const row = toRow(r);
      const l = figures.peek(id);
      if (l) {
        row.hits = l.hits;
        row.visitors = l.visitors;
      }
      return row;
    },
    async getDay(id, day) {
      return figures.day(id, day);
    },
    async updateCounter(id, settings) {
      const keys = Object.keys(settings) as (keyof CounterChange)[];
      if (keys.length === 0) return;
      const sets = keys.map((k) => `${CHANGE_COLUMNS[k]} = ?`).join(", ");
      await write([
        [
          `UPDATE counters SET ${sets}, revision = revision + 1 WHERE id = ?`,
          [...keys.map((k) => changeValue(k, settings[k], sqliteBool)), id],
        ],
      ]);
    },
    async setHits(id, hits) {
      await edit(id, [["UPDATE counters SET hits = ?, revision = revision + 1 WHERE id = ?", [hits, id]]]);
    },
    async deleteCounter(id) {
      await edit(id, [
        [deleteDeliveriesQuery(SQLITE_PARAM), [id]],
        ...clearRollups(id, "DELETE FROM counters WHERE id = ?"),
      ]);
    },
    async resetCounter(id) {
      await edit(
        id,
        clearRollups(id, "UPDATE counters SET hits = 0, visitors = 0, revision = revision + 1 WHERE id = ?"),
      );
    },
    ...webhookMethods(db, write),
    async backup(file) {
      await settle();
      // SQLite's online backup API (better-sqlite3 steps it between other work): hits
      // committed meanwhile wait in the journal, and the copy is the database as of the fold.
      await db.backup(file);
    },
    async importRollups(id, key, delta) {
      if (q.imported.get(id, key)) return false;
      const statements: WriteStatement[] = [
        ["INSERT INTO imports (counter_id, key, at) VALUES (?, ?, ?)", [id, key, Date.now()]],
        ["UPDATE counters SET revision = revision + 1 WHERE id = ?", [id]],
      ];
      const rollups = new Map([[id, delta]]);
      figures.reread(id, await write(statements, { fold: true, forgetKeys: true, rollups }));
      return true;
    },
    async applyBatch(batch: Batch) {
      return figures.apply(batch);
    },
    async totals(wanted) {
      const out = new Map<string, CurrentTotals>();
      for (const { id, day } of wanted) {
        const l = figures.of(id);
        if (!l) continue;
        const today = figures.day(id, day);
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
      figures.forgetBefore(day);
    },
    async daily(id, from, to) {
      await settle();
      return (await reads.ask({ kind: "daily", params: [id, from, to] })) as SeriesPoint[];
    },
    async hourly(id, fromHour, toHour) {
      await settle();
      return (await reads.ask({ kind: "hourly", params: [id, fromHour, toHour] })) as SeriesPoint[];
    },
    async breakdown(id, dim, from, to, limit) {
      await settle();
      return (await reads.ask({ kind: "breakdown", params: [id, dim, from, to, limit] })) as DimCount[];
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
      const kind = sort === "created" ? "listCreated" : "listHitsToday";
      const rows = (await reads.ask({ kind, params: [day, limit] })) as Parameters<typeof toListing>[0][];
      return rows.map(toListing);
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };

  async function shutdown(): Promise<void> {
    await fold.stop();
    await reads.close();
    journal.forget(fold.folded);
    journal.close();
    db.close();
    unlock();
  }
}
