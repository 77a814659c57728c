// The SQL both stores speak: the counters table's columns and their mapping to a CounterRow,
// the rollup tables, and the reads of series, breakdowns and the operator's list. Where the
// dialects differ (placeholders, booleans, JSON), the difference is a small named branch here,
// so a column or a read is written once.

import type { CounterChange, CounterListing, CounterRow } from "../store.js";

/** How a dialect writes the n-th parameter (1-based): "?" for SQLite, "$n" for PostgreSQL. */
export type Placeholder = (n: number) => string;
export const SQLITE_PARAM: Placeholder = () => "?";
export const POSTGRES_PARAM: Placeholder = (n) => `$${n}`;

/** The counters table's column for each field a change may set. */
export const CHANGE_COLUMNS: Record<keyof CounterChange, string> = {
  label: "label",
  origins: "origins",
  public: "public",
  timeZone: "time_zone",
  dedupeSeconds: "dedupe_seconds",
  show: "show",
  honorPrivacySignals: "honor_privacy",
  tokenHash: "token_hash",
  blocked: "blocked",
};

/** The columns a new counter is inserted with, in the order of insertValues(). */
const INSERT_COLUMNS = [
  "id",
  "token_hash",
  "label",
  "origins",
  "public",
  "time_zone",
  "dedupe_seconds",
  "show",
  "honor_privacy",
  "created_at",
  "hits",
  "visitors",
  "revision",
];

export function insertCounter(p: Placeholder): string {
  return `INSERT INTO counters (${INSERT_COLUMNS.join(", ")}) VALUES (${INSERT_COLUMNS.map((_, i) => p(i + 1)).join(", ")})`;
}

/** A new counter's values for insertCounter(); `bool` writes a boolean as the dialect keeps it. */
export function insertValues(row: CounterRow, bool: (b: boolean) => unknown): unknown[] {
  return [
    row.id,
    row.tokenHash,
    row.label,
    JSON.stringify(row.origins),
    bool(row.public),
    row.timeZone,
    row.dedupeSeconds,
    row.show,
    bool(row.honorPrivacySignals),
    row.createdAt,
    row.hits,
    row.visitors,
    row.revision,
  ];
}

/** A counters row as either store hands it back: SQLite keeps booleans as 0/1 and origins as JSON text. */
export interface RawCounter {
  id: string;
  token_hash: string;
  label: string;
  origins: string | string[];
  public: boolean | number;
  time_zone: string;
  dedupe_seconds: number;
  show: string;
  honor_privacy: boolean | number;
  created_at: number;
  hits: number;
  visitors: number;
  revision: number;
  blocked: boolean | number;
}

const truthy = (v: boolean | number) => v === true || v === 1;

/** A stored row as a CounterRow, every field named in one order (one hidden class in V8). */
export function toRow(r: RawCounter): CounterRow {
  return {
    id: r.id,
    tokenHash: r.token_hash,
    label: r.label,
    origins: typeof r.origins === "string" ? (JSON.parse(r.origins) as string[]) : r.origins,
    public: truthy(r.public),
    timeZone: r.time_zone,
    dedupeSeconds: r.dedupe_seconds,
    show: r.show === "visitors" ? "visitors" : "hits",
    honorPrivacySignals: truthy(r.honor_privacy),
    createdAt: r.created_at,
    hits: r.hits,
    visitors: r.visitors,
    revision: r.revision,
    blocked: truthy(r.blocked),
  };
}

/** A change's value as the dialect stores it. */
export function changeValue(key: keyof CounterChange, value: unknown, bool: (b: boolean) => unknown): unknown {
  if (key === "origins") return JSON.stringify(value);
  if (typeof value === "boolean") return bool(value);
  return value;
}

/** Every table holding a counter's counts (a reset or delete clears them all). */
/** What a reset clears (and a delete): the counts, and the record of imports, which may be made again. */
export const ROLLUP_TABLES = ["daily", "hourly", "dims", "dim_counts", "visitor_days", "imports"] as const;

/** Series of a counter between two days or hours: (id, from, to). */
export function seriesQuery(table: "daily" | "hourly", p: Placeholder): string {
  const bucket = table === "daily" ? "day" : "hour";
  return `SELECT ${bucket} AS bucket, hits, visitors FROM ${table}
    WHERE counter_id = ${p(1)} AND ${bucket} >= ${p(2)} AND ${bucket} <= ${p(3)} ORDER BY ${bucket}`;
}

/** A counter's top values of a dimension between two days: (id, dim, from, to, limit). */
export function breakdownQuery(p: Placeholder): string {
  return `SELECT value, sum(hits) AS hits FROM dims
    WHERE counter_id = ${p(1)} AND dim = ${p(2)} AND day >= ${p(3)} AND day <= ${p(4)}
    GROUP BY value ORDER BY hits DESC, value LIMIT ${p(5)}`;
}

/** The operator's list: (day, limit). */
export function listQuery(sort: "created" | "hits_today", p: Placeholder): string {
  const order = sort === "created" ? "c.created_at DESC, c.id" : `"hitsToday" DESC, c.created_at DESC`;
  return `SELECT c.id, c.label, c.created_at AS "createdAt", c.hits, COALESCE(d.hits, 0) AS "hitsToday", c.blocked
    FROM counters c LEFT JOIN daily d ON d.counter_id = c.id AND d.day = ${p(1)}
    ORDER BY ${order} LIMIT ${p(2)}`;
}

/** An operator's list row as either store hands it back. */
export function toListing(r: Omit<CounterListing, "blocked"> & { blocked: boolean | number }): CounterListing {
  return { ...r, blocked: truthy(r.blocked) };
}
