// The shared store for many nodes: PostgreSQL through node-postgres (pg), on SQLite's design.
// A batch commits as one statement: its row in the journal table plus its new visitor hashes
// (journal.ts), idempotent by batch id, so a batch whose answer was lost is retried until the
// database says whether it landed: never lost, never twice. One node at a time folds every
// node's journal rows into the rollups (fold.ts); reads add what is not folded yet, and stats
// wait for the fold. Any other database failure is a StoreUnavailable (503, or X-Hit-Reason:
// unavailable) rather than a crash; embeds keep showing the counts the node already holds.

import { randomBytes } from "node:crypto";
import type pg from "pg";
import { DEFAULT_DIM_CAP, OTHER } from "../caps.js";
import { unavailable } from "../errors.js";
import { deleteDeliveriesQuery } from "../sql/deliveries.js";
import {
  breakdownQuery,
  CHANGE_COLUMNS,
  changeValue,
  insertCounter,
  insertValues,
  listQuery,
  POSTGRES_PARAM,
  type RawCounter,
  ROLLUP_TABLES,
  seriesQuery,
  toListing,
  toRow,
} from "../sql/vocabulary.js";
import type { CommittedTotals, CounterChange, CurrentTotals, DimCount, SeriesPoint, Store } from "../store.js";
import { connect, fromServer, outage } from "./connection.js";
import { Fold } from "./fold.js";
import { importMethod } from "./imports.js";
import { commitOf, StoredVisitors } from "./journal.js";
import { onlineSharing } from "./online.js";
import { BUMP, GENERATION, RollupReadings, type RollupRow } from "./rollup-generation.js";
import { UnfoldedJournal } from "./unfolded.js";
import { webhookMethods } from "./webhooks.js";

const INSERT_COUNTER = insertCounter(POSTGRES_PARAM);

export interface PostgresOptions {
  url: string;
  /** Schema holding the tables; created if missing (DATABASE_SCHEMA). */
  schema?: string;
  dimCap?: number;
  /** How long a batch whose COMMIT answer was lost is retried before giving up (ms). */
  inDoubtRetryMs?: number;
  /** How often the fold leader folds the journal (ms). */
  foldEveryMs?: number;
  /** Memory for the visitor hashes a node remembers as stored (journal.ts); tests shrink it. */
  storedVisitorsBytes?: number;
  /** Called when something goes wrong that no request will report (logging). */
  onWarning?: (message: string, err?: unknown) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Connects, migrates the schema (safe with many nodes starting at once) and returns the store.
 * @example const store = await openPostgres({ url: "postgres://127.0.0.1/test", schema: "hitcounter" });
 */
export async function openPostgres(opts: PostgresOptions): Promise<Store> {
  const schema = opts.schema ?? "public";
  const cap = opts.dimCap ?? DEFAULT_DIM_CAP;
  const inDoubtRetryMs = opts.inDoubtRetryMs ?? 60_000;
  const warn = opts.onWarning ?? (() => {});
  const db = await connect(opts.url, schema, warn);
  const { pool, reads } = db;
  const query = db.query.bind(db);
  const transaction = db.transaction.bind(db);

  const fold = new Fold({
    settings: db.settings,
    pool,
    schema,
    everyMs: opts.foldEveryMs ?? 10_000,
    cap,
    count: () => db.statements++,
    warn,
  });
  const settle = () => fold.settle().catch((err) => Promise.reject(unavailable(err)));
  const stored = new StoredVisitors(opts.storedVisitorsBytes);
  /** Batches in doubt now (their answer lost, retried until the database tells). */
  let doubtful = 0;
  const journal = new UnfoldedJournal((sql, params) => query(sql, params));
  const readings = new RollupReadings();
  /** What the journal adds to counters read from the rollups just before (id -> reset_seq). */
  const notFolded = (rows: { id: string; reset_seq: number }[]) =>
    journal.of(new Map(rows.map((r) => [r.id, r.reset_seq])));
  /** A counter's row or day as stored, with what the journal holds of it beyond. */
  const plus = (t: CommittedTotals | undefined, day: string) => t?.days.find((d) => d.day === day);

  /** Raises the rollups' generation: the last statement of a transaction that changed them. */
  const bump = (c: pg.PoolClient) => {
    db.statements++;
    return c.query(BUMP);
  };

  const deleteCounts = async (c: pg.PoolClient, id: string) => {
    for (const t of ROLLUP_TABLES) {
      db.statements++;
      await c.query(`DELETE FROM ${t} WHERE counter_id = $1`, [id]);
    }
  };

  return {
    kind: "postgres",
    // A commit is mostly waiting on the network and the database: two may run at once.
    capabilities: {
      sharedByNodes: true,
      commitConcurrency: 2,
      commitReturns: "added",
      statements: () => db.statements,
    },
    health: () => ({ lostRecords: 0, problems: [], foldLeader: fold.leading }),
    async createCounter(row) {
      await query(
        INSERT_COUNTER,
        insertValues(row, (b) => b),
      );
    },
    async getCounter(id) {
      const [r] = await query<RawCounter & { reset_seq: number } & pg.QueryResultRow>(
        "SELECT * FROM counters WHERE id = $1",
        [id],
      );
      if (!r) return undefined;
      const row = toRow(r);
      const more = (await notFolded([r])).get(id);
      row.hits += more?.hits ?? 0;
      row.visitors += more?.visitors ?? 0;
      return row;
    },
    async getDay(id, day) {
      const [r] = await query<{ id: string; reset_seq: number; hits: number | null; visitors: number | null }>(
        `SELECT c.id, c.reset_seq, d.hits, d.visitors FROM counters c
         LEFT JOIN daily d ON d.counter_id = c.id AND d.day = $2 WHERE c.id = $1`,
        [id, day],
      );
      const more = r ? plus((await notFolded([r])).get(id), day) : undefined;
      return { day, hits: (r?.hits ?? 0) + (more?.hits ?? 0), visitors: (r?.visitors ?? 0) + (more?.visitors ?? 0) };
    },
    async updateCounter(id, settings) {
      const keys = Object.keys(settings) as (keyof CounterChange)[];
      if (keys.length === 0) return;
      const sets = keys.map((k, i) => `${CHANGE_COLUMNS[k]} = $${i + 2}`).join(", ");
      const values = keys.map((k) => changeValue(k, settings[k], (b) => b));
      await transaction(async (c) => {
        db.statements++;
        await c.query(`UPDATE counters SET ${sets}, revision = revision + 1 WHERE id = $1`, [id, ...values]);
        await bump(c);
      });
    },
    async setHits(id, hits) {
      await transaction(async (c) => {
        db.statements += 2;
        // Locked first, so the fold is done with this counter and the next statement's snapshot
        // sees the journal as it stands: what is still unfolded will be added, so it is taken off.
        await c.query("SELECT id FROM counters WHERE id = $1 FOR UPDATE", [id]);
        await c.query(
          `UPDATE counters SET hits = $2 - COALESCE((SELECT sum(u.h) FROM journal j
             CROSS JOIN LATERAL unnest(j.c, j.h) AS u(c, h) WHERE u.c = $1 AND j.seq > counters.reset_seq), 0),
           revision = revision + 1 WHERE id = $1`,
          [id, hits],
        );
        await bump(c);
      });
    },
    async deleteCounter(id) {
      await transaction(async (c) => {
        await deleteCounts(c, id);
        db.statements += 2;
        await c.query(deleteDeliveriesQuery(POSTGRES_PARAM), [id]);
        await c.query("DELETE FROM counters WHERE id = $1", [id]);
        await bump(c);
      });
    },
    async resetCounter(id) {
      await transaction(async (c) => {
        db.statements++;
        // Locked first, like the fold does, so a reset and a fold serialise cleanly; the journal
        // rows there are now hold nothing of the counter any more (the fold and reads skip them).
        await c.query("SELECT id FROM counters WHERE id = $1 FOR UPDATE", [id]);
        await deleteCounts(c, id);
        db.statements++;
        await c.query(
          `UPDATE counters SET hits = 0, visitors = 0, revision = revision + 1,
             reset_seq = (SELECT COALESCE(max(seq), 0) FROM journal) WHERE id = $1`,
          [id],
        );
        await bump(c);
      });
      // Its hashes are gone from visitor_days: this node must send them again.
      stored.clear();
    },
    async applyBatch(batch, onDoubt) {
      // While a batch is in doubt the database is deemed away: a new batch is refused at once
      // (answered unavailable), where sending it on a pooled connection that died unseen would
      // put it in doubt too and hold its answers until the database is back.
      if (doubtful > 0) throw unavailable(new Error("the database is away: a batch is in doubt"));
      const commit = commitOf(batch, stored);
      const deadline = Date.now() + inDoubtRetryMs;
      let inDoubt = false;
      try {
        return await attempts();
      } finally {
        if (inDoubt) doubtful--;
      }
      async function attempts(): Promise<Map<string, CommittedTotals>> {
        for (let attempt = 1; ; attempt++) {
          let sent = false;
          try {
            const client = await pool.connect();
            try {
              db.statements++;
              sent = true;
              const r = await client.query<{ vc: string[]; vh: string[] }>(commit.query);
              client.release();
              return commit.added(r.rows, inDoubt);
            } catch (err) {
              client.release(err as Error);
              throw err;
            }
          } catch (err) {
            // Never sent, or answered with an error by the server: the batch did not land.
            if (!inDoubt && (!sent || fromServer(err))) throw unavailable(err);
            if (inDoubt && fromServer(err) && !outage(err)) throw unavailable(err);
            // No answer: it may have landed. Ask again: the same statement lands it at most once.
            if (!inDoubt) {
              warn(`batch ${batch.id}: COMMIT answer lost; retrying until the database tells`, err);
              onDoubt?.();
              doubtful++;
            }
            inDoubt = true;
            if (Date.now() > deadline) {
              warn(`batch ${batch.id}: still in doubt after ${inDoubtRetryMs} ms; answered as not counted`, err);
              throw unavailable(err);
            }
            await sleep(Math.min(1000, 50 * attempt));
          }
        }
      }
    },
    async totals(wanted) {
      const out = new Map<string, CurrentTotals>();
      if (wanted.length === 0) return out;
      // In this order (rollup-generation.ts, unfolded.ts): the generation, the rollups, the journal.
      const [g] = await query<{ gen: number }>(GENERATION, []);
      const rows = await readings.of(g?.gen ?? 0, wanted, (missing) =>
        query<RollupRow>(
          `SELECT c.id, c.hits, c.visitors, c.revision, c.reset_seq, w.day,
             COALESCE(d.hits, 0) AS dh, COALESCE(d.visitors, 0) AS dv
           FROM unnest($1::text[], $2::text[]) AS w(id, day)
           JOIN counters c ON c.id = w.id
           LEFT JOIN daily d ON d.counter_id = w.id AND d.day = w.day`,
          [missing.map((w) => w.id), missing.map((w) => w.day)],
        ),
      );
      const more = await notFolded(rows);
      for (const r of rows) {
        const m = more.get(r.id);
        const d = plus(m, r.day);
        const today = { day: r.day, hits: r.dh + (d?.hits ?? 0), visitors: r.dv + (d?.visitors ?? 0) };
        const hits = r.hits + (m?.hits ?? 0);
        out.set(r.id, { hits, visitors: r.visitors + (m?.visitors ?? 0), today, revision: r.revision });
      }
      return out;
    },
    async salt(day) {
      // Two nodes starting together race here: the loser's INSERT waits for the winner's row and
      // skips it, but its SELECT still reads the snapshot taken before that row existed, so it
      // finds nothing. Asking again, with a new snapshot, finds the winner's salt.
      for (let attempt = 0; attempt < 3; attempt++) {
        const [r] = await query<{ salt: Buffer }>(
          `WITH ins AS (INSERT INTO salts (day, salt) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING salt)
           SELECT salt FROM ins UNION ALL SELECT salt FROM salts WHERE day = $1 LIMIT 1`,
          [day, randomBytes(32)],
        );
        if (r) return r.salt;
      }
      throw new Error(`no salt for ${day}`);
    },
    async forgetBefore(day) {
      await query("DELETE FROM salts WHERE day < $1", [day]);
      await query("DELETE FROM visitor_days WHERE day < $1", [day]);
      stored.forgetBefore(day);
      // Batch ids only need to outlive the retries of their own batch.
      await query("DELETE FROM batches WHERE at < now() - interval '1 day'");
    },
    async daily(id, from, to) {
      await settle();
      return query<SeriesPoint>(seriesQuery("daily", POSTGRES_PARAM), [id, from, to], reads);
    },
    async hourly(id, fromHour, toHour) {
      await settle();
      return query<SeriesPoint>(seriesQuery("hourly", POSTGRES_PARAM), [id, fromHour, toHour], reads);
    },
    async breakdown(id, dim, from, to, limit) {
      await settle();
      return query<DimCount>(breakdownQuery(POSTGRES_PARAM), [id, dim, from, to, limit], reads);
    },
    async deleteBreakdownValue(id, dim, value) {
      // Folded first, or the value would come back with the rows not folded yet.
      await settle();
      await transaction(async (c) => {
        db.statements += 3;
        // Locked like a batch, so no batch adds to the value's days between the two statements.
        await c.query("SELECT id FROM counters WHERE id = $1 FOR UPDATE", [id]);
        if (value !== OTHER) {
          await c.query(
            `UPDATE dim_counts SET n = n - 1 WHERE counter_id = $1 AND dim = $2
             AND day IN (SELECT day FROM dims WHERE counter_id = $1 AND dim = $2 AND value = $3)`,
            [id, dim, value],
          );
        }
        await c.query("DELETE FROM dims WHERE counter_id = $1 AND dim = $2 AND value = $3", [id, dim, value]);
      });
    },
    async listCounters(sort, day, limit) {
      await settle();
      const rows = await query<Parameters<typeof toListing>[0]>(listQuery(sort, POSTGRES_PARAM), [day, limit], reads);
      return rows.map(toListing);
    },
    shareOnline: onlineSharing(db),
    ...webhookMethods(db),
    importRollups: importMethod(db, cap),
    async close() {
      await fold.close();
      await Promise.all([pool.end(), reads.end()]);
    },
  };
}
