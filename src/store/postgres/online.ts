// "Online" across nodes on PostgreSQL: every node upserts the visitor-minutes it counted into
// the unlogged online_visitors table (one row per counter and visitor hash, holding its latest
// minute), and reads back distinct visitors per watched counter. Two statements per node per
// REFRESH_MS, none on the hit path; rows older than the window are deleted once a minute.

import type { Sightings } from "../store.js";
import type { Connection } from "./connection.js";

const UPSERT = `
  INSERT INTO online_visitors (counter_id, hash, minute)
  SELECT * FROM unnest($1::text[], $2::text[], $3::integer[])
  ON CONFLICT (counter_id, hash) DO UPDATE SET minute = GREATEST(online_visitors.minute, excluded.minute)`;
const COUNT = `
  SELECT counter_id AS id, count(*)::integer AS n FROM online_visitors
  WHERE counter_id = ANY($1::text[]) AND minute >= $2 GROUP BY counter_id`;

export function onlineSharing(db: Connection) {
  let swept = 0;
  return async (s: Sightings, watched: string[], sinceMinute: number): Promise<Map<string, number>> => {
    if (s.minutes.length > 0) {
      // One statement may not touch a row twice: a visitor sighted in two minutes since the
      // last share keeps its later one.
      const latest = new Map<string, number>();
      for (let i = 0; i < s.minutes.length; i++) {
        const key = `${s.counters[i]}\u0000${s.visitors[i]}`;
        latest.set(key, Math.max(latest.get(key) ?? 0, s.minutes[i] as number));
      }
      const c: string[] = [];
      const v: string[] = [];
      const m: number[] = [];
      for (const [key, minute] of latest) {
        const cut = key.indexOf("\u0000");
        c.push(key.slice(0, cut));
        v.push(key.slice(cut + 1));
        m.push(minute);
      }
      await db.query(UPSERT, [c, v, m]);
    }
    if (sinceMinute > swept) {
      swept = sinceMinute;
      await db.query("DELETE FROM online_visitors WHERE minute < $1", [sinceMinute]);
    }
    const out = new Map<string, number>();
    if (watched.length === 0) return out;
    const rows = await db.query<{ id: string; n: number }>(COUNT, [watched, sinceMinute], db.reads);
    for (const r of rows) out.set(r.id, r.n);
    return out;
  };
}
