// Writes merged deltas (journal rows of many batches and nodes, merged per counter by the fold,
// fold.ts) into the rollups as a fixed handful of set-based statements (arrays passed through
// unnest), whatever the number of hits: counters, daily, hourly, and breakdown rows under the
// caps per counter and day. The caller holds the counters' row locks and the fold leadership,
// so no other writer adds to these rollups meanwhile.

import { OTHER, splitDimKey } from "../caps.js";
import { countedVisitors } from "../delta-merger.js";
import { crossings } from "../milestones.js";
import type { CounterDelta } from "../store.js";

// biome-ignore lint/suspicious/noExplicitAny: pg rows are plain objects of any shape
type Row = Record<string, any>;
/** Sends one statement; the fold names it, so each connection plans it once. */
export type Query = <T extends Row = Row>(sql: string, params: unknown[]) => Promise<T[]>;

/** Pushes one row per key that has hits or new visitors into the columns of an upsert. */
function addRows(
  id: string,
  hits: Map<string, number>,
  visitors: Map<string, number>,
  ids: string[],
  keys: string[],
  hitCol: number[],
  visitorCol: number[],
): void {
  for (const key of new Set([...hits.keys(), ...visitors.keys()])) {
    ids.push(id);
    keys.push(key);
    hitCol.push(hits.get(key) ?? 0);
    visitorCol.push(visitors.get(key) ?? 0);
  }
}

/** Writes `counters` (their visitors: the new ones only, hash or any key -> local hour). */
export async function writeRollups(q: Query, counters: Map<string, CounterDelta>, cap: number): Promise<void> {
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
  for (const [id, d] of counters) {
    const byHour = new Map<string, number>();
    for (const hour of d.visitors.values()) byHour.set(hour, (byHour.get(hour) ?? 0) + 1);
    const byDay = new Map<string, number>();
    // Counted visitors are per hour, or per day where the source has no hours (daily totals).
    for (const [key, n] of d.visitorCounts ?? []) {
      const into = key.length === 10 ? byDay : byHour;
      into.set(key, (into.get(key) ?? 0) + n);
    }
    for (const [hour, n] of byHour) byDay.set(hour.slice(0, 10), (byDay.get(hour.slice(0, 10)) ?? 0) + n);
    cId.push(id);
    cHits.push(d.hits);
    cVis.push(d.visitors.size + countedVisitors(d));
    // A day or hour may have new visitors and no hits: their hits came in an earlier fold.
    addRows(id, d.days, byDay, dId, dDay, dHits, dVis);
    addRows(id, d.hours, byHour, hId, hHour, hHits, hVis);
    for (const [key, hits] of d.dims) {
      const [day, dim, value] = splitDimKey(key);
      mId.push(id);
      mDim.push(dim);
      mDay.push(day);
      mVal.push(value);
      mHits.push(hits);
    }
  }

  if (cId.length === 0) return;
  await q(
    `UPDATE counters c SET hits = c.hits + d.h, visitors = c.visitors + d.v
     FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS d(id, h, v) WHERE c.id = d.id`,
    [cId, cHits, cVis],
  );
  await q(
    `INSERT INTO daily (counter_id, day, hits, visitors)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
     ON CONFLICT (counter_id, day) DO UPDATE
       SET hits = daily.hits + excluded.hits, visitors = daily.visitors + excluded.visitors`,
    [dId, dDay, dHits, dVis],
  );

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
    // Only the fold leader writes here, so two folds don't admit past the cap together.
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
}

/**
 * Records a delivery for each milestone the fold's hits crossed (store/milestones.ts), in the
 * fold's transaction; `locked` holds each counter's hits before the fold.
 */
export async function recordCrossings(
  q: Query,
  locked: { id: string; hits: number; milestones: string | null }[],
  merged: Map<string, CounterDelta>,
): Promise<void> {
  const watched = locked.filter((r) => r.milestones !== null && merged.has(r.id));
  if (watched.length === 0) return;
  const o = crossings(
    watched.map((r) => ({ id: r.id, before: r.hits, added: merged.get(r.id)?.hits ?? 0, milestones: r.milestones })),
    Date.now(),
  );
  if (o.ids.length === 0) return;
  await q(
    `INSERT INTO deliveries (id, counter_id, milestone, hits, at, next_at)
     SELECT i, c, m, h, a, a FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u(i, c, m, h, a)`,
    [o.ids, o.counters, o.milestones, o.hits, o.at],
  );
}
