// Versioned schema for the PostgreSQL store. Every node runs `migrate` at start-up; a
// transaction-scoped advisory lock makes nodes that start together apply each version once,
// in order, while the others wait and then find nothing left to do.

import type pg from "pg";
import type { PoolClient } from "pg";

/** Any fixed number, shared by every node: the advisory lock guarding migrations. */
const MIGRATION_LOCK = 7_242_001;

const MIGRATIONS: string[] = [
  `
  CREATE TABLE counters (
    id text PRIMARY KEY,
    token_hash text NOT NULL,
    label text NOT NULL,
    origins jsonb NOT NULL,
    public boolean NOT NULL,
    time_zone text NOT NULL,
    dedupe_seconds integer NOT NULL,
    show text NOT NULL,
    honor_privacy boolean NOT NULL,
    created_at bigint NOT NULL,
    hits bigint NOT NULL DEFAULT 0,
    visitors bigint NOT NULL DEFAULT 0
  );
  CREATE TABLE daily (
    counter_id text NOT NULL, day text NOT NULL,
    hits bigint NOT NULL DEFAULT 0, visitors bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (counter_id, day)
  );
  CREATE TABLE hourly (
    counter_id text NOT NULL, hour text NOT NULL,
    hits bigint NOT NULL DEFAULT 0, visitors bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (counter_id, hour)
  );
  CREATE TABLE dims (
    counter_id text NOT NULL, dim text NOT NULL, day text NOT NULL, value text NOT NULL,
    hits bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (counter_id, dim, day, value)
  );
  CREATE TABLE dim_keys (
    counter_id text NOT NULL, dim text NOT NULL, value text NOT NULL,
    PRIMARY KEY (counter_id, dim, value)
  );
  CREATE TABLE dim_counts (
    counter_id text NOT NULL, dim text NOT NULL, n integer NOT NULL,
    PRIMARY KEY (counter_id, dim)
  );
  CREATE TABLE visitor_days (
    counter_id text NOT NULL, day text NOT NULL, hash text NOT NULL,
    PRIMARY KEY (counter_id, day, hash)
  );
  CREATE TABLE salts (day text PRIMARY KEY, salt bytea NOT NULL);
  -- Applied batch ids: a batch retried after a lost COMMIT answer is recognised, not re-added.
  CREATE TABLE batches (id text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX batches_at ON batches (at);
  `,
  // Revision: raised by settings changes, set count and reset (see CounterRow.revision).
  "ALTER TABLE counters ADD COLUMN revision integer NOT NULL DEFAULT 0",
  // As in the SQLite store: blocked by the operator, and breakdown caps per counter and day.
  `
  ALTER TABLE counters ADD COLUMN blocked boolean NOT NULL DEFAULT false;
  DROP TABLE dim_keys;
  DROP TABLE dim_counts;
  CREATE TABLE dim_counts (
    counter_id text NOT NULL, dim text NOT NULL, day text NOT NULL, n integer NOT NULL,
    PRIMARY KEY (counter_id, dim, day)
  );
  INSERT INTO dim_counts (counter_id, dim, day, n)
    SELECT counter_id, dim, day, count(*) FROM dims WHERE value <> '(other)' GROUP BY counter_id, dim, day;
  `,
  // The journal (fold.ts): a batch commits as one row; the fold leader folds rows into the
  // rollups and moves their ids to batches. Per row, for reads of what is not folded yet:
  // hits per counter and day (c, d, h), and the new visitors with their hour (vc, vh).
  // reset_seq: journal rows up to it hold nothing of the counter any more (a reset).
  // Existing rollups stay as they are: nothing to convert.
  `
  CREATE TABLE journal (
    seq bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    data text NOT NULL,
    c text[] NOT NULL, d text[] NOT NULL, h integer[] NOT NULL,
    vc text[] NOT NULL, vh text[] NOT NULL
  );
  ALTER TABLE counters ADD COLUMN reset_seq bigint NOT NULL DEFAULT 0;
  `,
  // "Online" across nodes (online.ts): each visitor's latest counted minute, per counter.
  // Unlogged: five minutes of sightings are not worth a WAL write each, and after a crash of
  // the database an empty table only makes "online" read low for five minutes.
  `
  CREATE UNLOGGED TABLE online_visitors (
    counter_id text NOT NULL, hash text NOT NULL, minute integer NOT NULL,
    PRIMARY KEY (counter_id, hash)
  );
  `,
  // Milestone webhooks (store/milestones.ts): the owner's setting, and the outbox the fold
  // writes a delivery into in the same transaction as the hits that crossed it.
  `
  ALTER TABLE counters ADD COLUMN milestones text;
  CREATE TABLE deliveries (
    id text PRIMARY KEY, counter_id text NOT NULL, milestone bigint NOT NULL, hits bigint NOT NULL,
    at bigint NOT NULL, attempts integer NOT NULL DEFAULT 0, next_at bigint NOT NULL,
    status text NOT NULL DEFAULT 'pending', last_error text
  );
  CREATE INDEX deliveries_due ON deliveries (status, next_at);
  CREATE INDEX deliveries_of ON deliveries (counter_id, at);
  `,
  // Imports (imports/): each file (or given key) once per counter.
  `
  CREATE TABLE imports (
    counter_id text NOT NULL, key text NOT NULL, at bigint NOT NULL,
    PRIMARY KEY (counter_id, key)
  );
  `,
  // Room on each page for the next version of a row, so the fold's updates of the rollups are
  // HOT updates (no new index entries, less WAL): the fold rewrites the same rows all day.
  // Pages written from now on get it; older ones as they are rewritten.
  // A journal row (a batch: its JSON and arrays, 2-8 KB) stays inline and uncompressed: pglz
  // on every commit cost CPU for rows that live ten seconds.
  `
  ALTER TABLE counters SET (fillfactor = 70);
  ALTER TABLE daily SET (fillfactor = 70);
  ALTER TABLE hourly SET (fillfactor = 70);
  ALTER TABLE dims SET (fillfactor = 70);
  ALTER TABLE dim_counts SET (fillfactor = 70);
  ALTER TABLE online_visitors SET (fillfactor = 50);
  ALTER TABLE journal SET (toast_tuple_target = 8160);
  `,
  // The rollups' generation (rollup-generation.ts): raised by every transaction that changes
  // counters or daily, so a node whose last read is of the same generation needs no new one.
  `
  CREATE TABLE rollup_gen (one boolean PRIMARY KEY DEFAULT true CHECK (one), gen bigint NOT NULL);
  INSERT INTO rollup_gen (gen) VALUES (0);
  `,
];

/**
 * Brings `schema` up to the latest version (or to `upTo`: tests build older schemas); safe to
 * call from many nodes at once.
 */
export async function migrate(client: PoolClient | pg.Client, schema: string, upTo = MIGRATIONS.length): Promise<void> {
  const s = quoteIdent(schema);
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
      version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${s}.schema_migrations`);
    await client.query(`SET LOCAL search_path TO ${s}`);
    for (let v = done.rows[0]?.v ?? 0; v < upTo; v++) {
      await client.query(MIGRATIONS[v] as string);
      await client.query(`INSERT INTO ${s}.schema_migrations (version) VALUES ($1)`, [v + 1]);
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

/** A schema name as an SQL identifier; names are checked, never user input from requests. */
export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`bad schema name "${name}"`);
  return `"${name}"`;
}
