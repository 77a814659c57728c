// Writes one group commit to PostgreSQL as a fixed handful of set-based statements (arrays
// passed through unnest), whatever the number of hits: lock the touched counters in id order,
// record the batch id, insert visitor hashes (the ones that are new are the new visitors, which
// keeps uniques exact across nodes), then upsert counters, daily, hourly and breakdown rows
// (breakdown caps per counter and day).
// Locking counters first, in one order, means two nodes never deadlock on the same counters.

import type { PoolClient } from "pg";
import { OTHER, splitDimKey } from "../caps.js";
import type { CommittedTotals, CounterDelta, DayTotals } from "../store.js";

// biome-ignore lint/suspicious/noExplicitAny: pg rows are plain objects of any shape
type Row = Record<string, any>;

/**
 * Every batch sends the same statements: named, each connection parses and plans them once
 * (pg prepares a named statement on its first use per connection), not on every batch.
 */
const names = new Map<string, string>();
function statementName(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `hc_batch_${names.size}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * Applies a batch, merged per counter (delta-merger.ts), inside the caller's transaction.
 * Returns undefined if it was applied before.
 */
export async function writeBatch(
  client: PoolClient,
  batchId: string,
  counters: Map<string, CounterDelta>,
  cap: number,
  count: () => void,
): Promise<Map<string, CommittedTotals> | undefined> {
  const q = async <T extends Row = Row>(sql: string, params: unknown[]): Promise<T[]> => {
    count();
    return (await client.query<T>({ name: statementName(sql), text: sql, values: params })).rows;
  };

  const firstTime = await q("INSERT INTO batches (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id", [batchId]);
  if (firstTime.length === 0) return undefined;

  const ids = [...counters.keys()].sort();
  const alive = new Set(
    (await q<{ id: string }>("SELECT id FROM counters WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE", [ids])).map(
      (r) => r.id,
    ),
  );
  const out = new Map<string, CommittedTotals>();
  if (alive.size === 0) return out;

  // Visitors: the hashes the table did not have yet are this batch's new visitors.
  const vc: string[] = [];
  const vd: string[] = [];
  const vh: string[] = [];
  const hourOf = new Map<string, string>();
  for (const id of ids) {
    if (!alive.has(id)) continue;
    for (const [hash, hour] of counters.get(id)?.visitors ?? []) {
      vc.push(id);
      vd.push(hour.slice(0, 10));
      vh.push(hash);
      hourOf.set(`${id}\u0000${hash}`, hour);
    }
  }
  const newVisitors =
    vc.length === 0
      ? []
      : await q<{ counter_id: string; hash: string }>(
          `INSERT INTO visitor_days (counter_id, day, hash)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING
           RETURNING counter_id, hash`,
          [vc, vd, vh],
        );
  const newByCounter = new Map<string, number>();
  const newByDay = new Map<string, number>();
  const newByHour = new Map<string, number>();
  for (const r of newVisitors) {
    const hour = hourOf.get(`${r.counter_id}\u0000${r.hash}`) as string;
    const dk = `${r.counter_id}\u0000${hour.slice(0, 10)}`;
    const hk = `${r.counter_id}\u0000${hour}`;
    newByCounter.set(r.counter_id, (newByCounter.get(r.counter_id) ?? 0) + 1);
    newByDay.set(dk, (newByDay.get(dk) ?? 0) + 1);
    newByHour.set(hk, (newByHour.get(hk) ?? 0) + 1);
  }

  const cId: string[] = [];
  const cHits: number[] = [];
  const cVis: number[] = [];
  const dId: string[] = [];
  const dDay: string[] = [];
  const dHits: number[] = [];
  const dVis: number[] = [];
  const hId: string[] = [];
  const hHour: string[] = [];
  const hHits: number[] = [];
  const hVis: number[] = [];
  const mId: string[] = [];
  const mDim: string[] = [];
  const mDay: string[] = [];
  const mVal: string[] = [];
  const mHits: number[] = [];
  for (const id of ids) {
    const d = counters.get(id);
    if (!d || !alive.has(id)) continue;
    cId.push(id);
    cHits.push(d.hits);
    cVis.push(newByCounter.get(id) ?? 0);
    for (const [day, hits] of d.days) {
      dId.push(id);
      dDay.push(day);
      dHits.push(hits);
      dVis.push(newByDay.get(`${id}\u0000${day}`) ?? 0);
    }
    for (const [hour, hits] of d.hours) {
      hId.push(id);
      hHour.push(hour);
      hHits.push(hits);
      hVis.push(newByHour.get(`${id}\u0000${hour}`) ?? 0);
    }
    for (const [key, hits] of d.dims) {
      const [day, dim, value] = splitDimKey(key);
      mId.push(id);
      mDim.push(dim);
      mDay.push(day);
      mVal.push(value);
      mHits.push(hits);
    }
  }

  const totals = await q<{ id: string; hits: number; visitors: number }>(
    `UPDATE counters c SET hits = c.hits + d.h, visitors = c.visitors + d.v
     FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS d(id, h, v)
     WHERE c.id = d.id RETURNING c.id, c.hits, c.visitors`,
    [cId, cHits, cVis],
  );
  for (const t of totals) out.set(t.id, { hits: t.hits, visitors: t.visitors, days: [] });

  const days = await q<{ counter_id: string } & DayTotals>(
    `INSERT INTO daily (counter_id, day, hits, visitors)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
     ON CONFLICT (counter_id, day) DO UPDATE
       SET hits = daily.hits + excluded.hits, visitors = daily.visitors + excluded.visitors
     RETURNING counter_id, day, hits, visitors`,
    [dId, dDay, dHits, dVis],
  );
  for (const r of days) out.get(r.counter_id)?.days.push({ day: r.day, hits: r.hits, visitors: r.visitors });

  await q(
    `INSERT INTO hourly (counter_id, hour, hits, visitors)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
     ON CONFLICT (counter_id, hour) DO UPDATE
       SET hits = hourly.hits + excluded.hits, visitors = hourly.visitors + excluded.visitors`,
    [hId, hHour, hHits, hVis],
  );

  if (mId.length > 0) {
    // A breakdown value is admitted when it already has a row on that day, or while the
    // counter has room under the cap on that day; the rest are counted as OTHER, so random
    // paths can't grow the tables without bound, and a day of junk leaves the next day free.
    // The counters are locked above, so two batches of one counter don't admit past the cap.
    // Scalar subqueries rather than joins: they stay per-row index lookups, where a join
    // against the small unnest() side lets the planner pick a scan of the whole table.
    await q(
      `WITH t AS (
         SELECT c, d, day, v, sum(h) AS h FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
           AS t(c, d, day, v, h) GROUP BY 1, 2, 3, 4
       ), known AS (
         SELECT c, d, day, v, h, v = $7 OR EXISTS (
           SELECT 1 FROM dims k WHERE k.counter_id = c AND k.dim = d AND k.day = t.day AND k.value = v) AS k
         FROM t
       ), fresh AS (
         SELECT c, d, day, v, row_number() OVER (PARTITION BY c, d, day ORDER BY v) AS rn FROM known WHERE NOT k
       ), room AS (
         SELECT c, d, day, v FROM fresh
         WHERE rn + COALESCE((SELECT n FROM dim_counts WHERE counter_id = c AND dim = d AND dim_counts.day = fresh.day), 0) <= $6
       ), bump AS (
         INSERT INTO dim_counts (counter_id, dim, day, n) SELECT c, d, day, count(*) FROM room GROUP BY 1, 2, 3
         ON CONFLICT (counter_id, dim, day) DO UPDATE SET n = dim_counts.n + excluded.n
       )
       INSERT INTO dims (counter_id, dim, day, value, hits)
       SELECT c, d, day, CASE WHEN k OR EXISTS (
         SELECT 1 FROM room r WHERE r.c = known.c AND r.d = known.d AND r.day = known.day AND r.v = known.v
       ) THEN v ELSE $7 END, sum(h)
       FROM known GROUP BY 1, 2, 3, 4
       ON CONFLICT (counter_id, dim, day, value) DO UPDATE SET hits = dims.hits + excluded.hits`,
      [mId, mDim, mDay, mVal, mHits, cap, OTHER],
    );
  }
  return out;
}
