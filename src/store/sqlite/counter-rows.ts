// The counters table as SQLite holds it: the insert, the operator's list, the raw row and its
// mapping to a CounterRow (booleans as 0/1, origins as JSON text).

import type { CounterChange, CounterRow } from "../store.js";

export const INSERT_COUNTER = `INSERT INTO counters (id, token_hash, label, origins, public, time_zone, dedupe_seconds, show,
        honor_privacy, created_at, hits, visitors, revision)
       VALUES (@id, @token_hash, @label, @origins, @public, @time_zone, @dedupe_seconds, @show,
        @honor_privacy, @created_at, @hits, @visitors, @revision)`;

export const LIST_COUNTERS = `SELECT c.id, c.label, c.created_at AS createdAt, c.hits, COALESCE(d.hits, 0) AS hitsToday,
    c.blocked = 1 AS blocked
  FROM counters c LEFT JOIN daily d ON d.counter_id = c.id AND d.day = ?`;

export interface RawCounter {
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

export function toRow(r: RawCounter): CounterRow {
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

export function toColumn(key: keyof CounterChange, value: unknown): unknown {
  if (key === "origins") return JSON.stringify(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}
