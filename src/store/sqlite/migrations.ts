// Versioned schema for the SQLite store. Each entry runs once, in order, inside a transaction;
// the applied version is kept in PRAGMA user_version.

export const MIGRATIONS: string[] = [
  `
  CREATE TABLE counters (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL,
    label TEXT NOT NULL,
    origins TEXT NOT NULL,
    public INTEGER NOT NULL,
    time_zone TEXT NOT NULL,
    dedupe_seconds INTEGER NOT NULL,
    show TEXT NOT NULL,
    honor_privacy INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0,
    visitors INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE daily (
    counter_id TEXT NOT NULL, day TEXT NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0, visitors INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (counter_id, day)
  ) WITHOUT ROWID;
  CREATE TABLE hourly (
    counter_id TEXT NOT NULL, hour TEXT NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0, visitors INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (counter_id, hour)
  ) WITHOUT ROWID;
  CREATE TABLE dims (
    counter_id TEXT NOT NULL, dim TEXT NOT NULL, day TEXT NOT NULL, value TEXT NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (counter_id, dim, day, value)
  ) WITHOUT ROWID;
  CREATE TABLE dim_keys (
    counter_id TEXT NOT NULL, dim TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (counter_id, dim, value)
  ) WITHOUT ROWID;
  CREATE TABLE dim_counts (
    counter_id TEXT NOT NULL, dim TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (counter_id, dim)
  ) WITHOUT ROWID;
  CREATE TABLE visitor_days (
    counter_id TEXT NOT NULL, day TEXT NOT NULL, hash TEXT NOT NULL,
    PRIMARY KEY (counter_id, day, hash)
  ) WITHOUT ROWID;
  CREATE TABLE salts (day TEXT PRIMARY KEY, salt BLOB NOT NULL);
  -- The fold watermark (see fold.ts): the last journal sequence number folded into the
  -- rollups, committed in the same transaction as the rollups themselves.
  CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT INTO meta (key, value) VALUES ('folded_seq', 0);
  `,
  // Revision: raised by settings changes, set count and reset (see CounterRow.revision).
  "ALTER TABLE counters ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;",
  // Blocked by the operator (admin API); breakdown caps per counter and day instead of all
  // time, so a day of junk values can't push later days' real ones into "(other)". A value's
  // own row in dims now tells it is admitted; dim_counts counts them per day.
  `
  ALTER TABLE counters ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
  DROP TABLE dim_keys;
  DROP TABLE dim_counts;
  CREATE TABLE dim_counts (
    counter_id TEXT NOT NULL, dim TEXT NOT NULL, day TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (counter_id, dim, day)
  ) WITHOUT ROWID;
  INSERT INTO dim_counts (counter_id, dim, day, n)
    SELECT counter_id, dim, day, count(*) FROM dims WHERE value <> '(other)' GROUP BY counter_id, dim, day;
  `,
  // Milestone webhooks (store/milestones.ts): the owner's setting, and the outbox the fold
  // writes a delivery into in the same transaction as the hits that crossed it.
  `
  ALTER TABLE counters ADD COLUMN milestones TEXT;
  CREATE TABLE deliveries (
    id TEXT PRIMARY KEY, counter_id TEXT NOT NULL, milestone INTEGER NOT NULL, hits INTEGER NOT NULL,
    at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending', last_error TEXT
  );
  CREATE INDEX deliveries_due ON deliveries (status, next_at);
  CREATE INDEX deliveries_of ON deliveries (counter_id, at);
  `,
  // Imports (imports/): each file (or given key) once per counter.
  `
  CREATE TABLE imports (
    counter_id TEXT NOT NULL, key TEXT NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (counter_id, key)
  ) WITHOUT ROWID;
  `,
];
