// The shared store for many nodes: PostgreSQL through node-postgres (pg). Batches are written
// set-based (batch-writer.ts) and are idempotent by batch id, so a batch whose COMMIT answer
// was lost is retried until the database says whether it landed: never lost, never twice.
// Any other database failure is a StoreUnavailable (503, or X-Hit-Reason: unavailable)
// rather than a crash; embeds keep showing the counts the node already holds.

import { randomBytes } from "node:crypto";
import type pg from "pg";
import { DEFAULT_DIM_CAP, OTHER } from "../caps.js";
import { mergeBatch } from "../delta-merger.js";
import { unavailable } from "../errors.js";
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
import type {
  CommittedTotals,
  CounterChange,
  CurrentTotals,
  DayTotals,
  DimCount,
  SeriesPoint,
  Store,
} from "../store.js";
import { writeBatch } from "./batch-writer.js";
import { connect, fromServer, retryable } from "./connection.js";

const INSERT_COUNTER = insertCounter(POSTGRES_PARAM);

export interface PostgresOptions {
  url: string;
  /** Schema holding the tables; created if missing (DATABASE_SCHEMA). */
  schema?: string;
  dimCap?: number;
  /** How long a batch whose COMMIT answer was lost is retried before giving up (ms). */
  inDoubtRetryMs?: number;
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

  /** Figures after a batch that an earlier attempt already committed. */
  const committedTotals = async (ids: string[], days: string[][]): Promise<Map<string, CommittedTotals>> => {
    const out = new Map<string, CommittedTotals>();
    for (const r of await query<{ id: string; hits: number; visitors: number }>(
      "SELECT id, hits, visitors FROM counters WHERE id = ANY($1::text[])",
      [ids],
    )) {
      out.set(r.id, { hits: r.hits, visitors: r.visitors, days: [] });
    }
    const dc: string[] = [];
    const dd: string[] = [];
    ids.forEach((id, i) => {
      for (const d of days[i] ?? []) {
        dc.push(id);
        dd.push(d);
      }
    });
    for (const r of await query<{ counter_id: string } & DayTotals>(
      `SELECT d.counter_id, d.day, d.hits, d.visitors FROM daily d
       JOIN unnest($1::text[], $2::text[]) AS w(c, day) ON d.counter_id = w.c AND d.day = w.day`,
      [dc, dd],
    )) {
      out.get(r.counter_id)?.days.push({ day: r.day, hits: r.hits, visitors: r.visitors });
    }
    return out;
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
    capabilities: { sharedByNodes: true, commitConcurrency: 2, statements: () => db.statements },
    health: () => ({ lostRecords: 0, problems: [] }),
    async createCounter(row) {
      await query(
        INSERT_COUNTER,
        insertValues(row, (b) => b),
      );
    },
    async getCounter(id) {
      const [r] = await query<RawCounter & pg.QueryResultRow>("SELECT * FROM counters WHERE id = $1", [id]);
      return r ? toRow(r) : undefined;
    },
    async getDay(id, day) {
      const [r] = await query<DayTotals>("SELECT day, hits, visitors FROM daily WHERE counter_id = $1 AND day = $2", [
        id,
        day,
      ]);
      return r ?? { day, hits: 0, visitors: 0 };
    },
    async updateCounter(id, settings) {
      const keys = Object.keys(settings) as (keyof CounterChange)[];
      if (keys.length === 0) return;
      const sets = keys.map((k, i) => `${CHANGE_COLUMNS[k]} = $${i + 2}`).join(", ");
      const values = keys.map((k) => changeValue(k, settings[k], (b) => b));
      await query(`UPDATE counters SET ${sets}, revision = revision + 1 WHERE id = $1`, [id, ...values]);
    },
    async setHits(id, hits) {
      await query("UPDATE counters SET hits = $2, revision = revision + 1 WHERE id = $1", [id, hits]);
    },
    async deleteCounter(id) {
      await transaction(async (c) => {
        await deleteCounts(c, id);
        db.statements++;
        await c.query("DELETE FROM counters WHERE id = $1", [id]);
      });
    },
    async resetCounter(id) {
      await transaction(async (c) => {
        db.statements++;
        // Lock the counter first, like batches do, so a reset and a batch serialise cleanly.
        await c.query("SELECT id FROM counters WHERE id = $1 FOR UPDATE", [id]);
        await deleteCounts(c, id);
        db.statements++;
        await c.query("UPDATE counters SET hits = 0, visitors = 0, revision = revision + 1 WHERE id = $1", [id]);
      });
    },
    async applyBatch(batch) {
      const counters = mergeBatch(batch);
      const ids = [...counters.keys()];
      const days = ids.map((id) => [...(counters.get(id)?.days.keys() ?? [])]);
      const deadline = Date.now() + inDoubtRetryMs;
      let inDoubt = false;
      for (let attempt = 1; ; attempt++) {
        let result: Map<string, CommittedTotals> | undefined;
        let commitSent = false;
        try {
          const client = await pool.connect();
          try {
            db.statements++;
            await client.query("BEGIN");
            result = await writeBatch(client, batch.id, counters, cap, () => db.statements++);
            commitSent = true;
            db.statements++;
            await client.query(result ? "COMMIT" : "ROLLBACK");
            client.release();
          } catch (err) {
            client.release(err as Error);
            throw err;
          }
          // undefined: an earlier attempt whose answer was lost did commit this batch.
          return result ?? (await committedTotals(ids, days));
        } catch (err) {
          if (!inDoubt && retryable(err) && attempt < 5) continue;
          // Before COMMIT was sent, or when the server itself refused it, nothing was written.
          if (!inDoubt && (!commitSent || fromServer(err))) throw unavailable(err);
          if (!inDoubt) warn(`batch ${batch.id}: COMMIT answer lost; retrying until the database tells`, err);
          inDoubt = true;
          if (Date.now() > deadline) {
            warn(`batch ${batch.id}: still in doubt after ${inDoubtRetryMs} ms; answered as not counted`, err);
            throw unavailable(err);
          }
          await sleep(Math.min(1000, 50 * attempt));
        }
      }
    },
    async totals(wanted) {
      const out = new Map<string, CurrentTotals>();
      if (wanted.length === 0) return out;
      const rows = await query<{
        id: string;
        hits: number;
        visitors: number;
        revision: number;
        day: string;
        dh: number;
        dv: number;
      }>(
        `SELECT c.id, c.hits, c.visitors, c.revision, w.day, COALESCE(d.hits, 0) AS dh, COALESCE(d.visitors, 0) AS dv
         FROM unnest($1::text[], $2::text[]) AS w(id, day)
         JOIN counters c ON c.id = w.id
         LEFT JOIN daily d ON d.counter_id = w.id AND d.day = w.day`,
        [wanted.map((w) => w.id), wanted.map((w) => w.day)],
      );
      for (const r of rows) {
        const today = { day: r.day, hits: r.dh, visitors: r.dv };
        out.set(r.id, { hits: r.hits, visitors: r.visitors, today, revision: r.revision });
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
      // Batch ids only need to outlive the retries of their own batch.
      await query("DELETE FROM batches WHERE at < now() - interval '1 day'");
    },
    async daily(id, from, to) {
      return query<SeriesPoint>(seriesQuery("daily", POSTGRES_PARAM), [id, from, to], reads);
    },
    async hourly(id, fromHour, toHour) {
      return query<SeriesPoint>(seriesQuery("hourly", POSTGRES_PARAM), [id, fromHour, toHour], reads);
    },
    async breakdown(id, dim, from, to, limit) {
      return query<DimCount>(breakdownQuery(POSTGRES_PARAM), [id, dim, from, to, limit], reads);
    },
    async deleteBreakdownValue(id, dim, value) {
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
      const rows = await query<Parameters<typeof toListing>[0]>(listQuery(sort, POSTGRES_PARAM), [day, limit], reads);
      return rows.map(toListing);
    },
    async close() {
      await Promise.all([pool.end(), reads.end()]);
    },
  };
}
