// A database written by the schema before the journal (version 3: rollups written by every
// node's commits) is migrated in place when a node of today starts on it, and keeps its figures:
// totals, days, hours, breakdowns and the day's visitors, with new hits adding to them.

import assert from "node:assert/strict";
import { after, it } from "node:test";
import pg from "pg";
import { openPostgres } from "../../src/store/postgres/index.js";
import { migrate, quoteIdent } from "../../src/store/postgres/migrations.js";
import { batchOf } from "../helpers/batch.js";
import { dropSchema, freshSchema, PG_URL } from "../helpers/postgres.js";

const schema = freshSchema();
after(() => dropSchema(schema));

it("a version 3 database is migrated and keeps its figures", async () => {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await migrate(c, schema, 3);
    const s = quoteIdent(schema);
    await c.query(`INSERT INTO ${s}.counters (id, token_hash, label, origins, public, time_zone, dedupe_seconds, show,
      honor_privacy, created_at, hits, visitors, revision, blocked)
      VALUES ('old1', 'x', 'views', '[]', true, 'UTC', 0, 'hits', false, 0, 1500, 40, 2, false)`);
    await c.query(`INSERT INTO ${s}.daily VALUES ('old1', '2026-11-23', 1000, 30), ('old1', '2026-11-24', 500, 10)`);
    await c.query(`INSERT INTO ${s}.hourly VALUES ('old1', '2026-11-24T09', 500, 10)`);
    await c.query(`INSERT INTO ${s}.dims VALUES ('old1', 'page', '2026-11-24', '/old', 500)`);
    await c.query(`INSERT INTO ${s}.dim_counts VALUES ('old1', 'page', '2026-11-24', 1)`);
    await c.query(`INSERT INTO ${s}.visitor_days VALUES ('old1', '2026-11-24', 'known-visitor')`);
  } finally {
    await c.end();
  }

  const store = await openPostgres({ url: PG_URL, schema });
  try {
    const row = await store.getCounter("old1");
    assert.deepEqual([row?.hits, row?.visitors, row?.revision, row?.label], [1500, 40, 2, "views"]);
    assert.deepEqual(await store.getDay("old1", "2026-11-24"), { day: "2026-11-24", hits: 500, visitors: 10 });
    // A visitor stored by the old schema today is not new; another one is.
    const added = await store.applyBatch(
      batchOf([
        {
          counter: "old1",
          hour: "2026-11-24T10",
          hits: 3,
          dims: [["page", "/old", 3]],
          visitors: ["known-visitor", "new-visitor"],
        },
      ]),
    );
    assert.deepEqual(added.get("old1"), { hits: 3, visitors: 1, days: [{ day: "2026-11-24", hits: 3, visitors: 1 }] });
    assert.deepEqual(await store.daily("old1", "2026-11-01", "2026-11-30"), [
      { bucket: "2026-11-23", hits: 1000, visitors: 30 },
      { bucket: "2026-11-24", hits: 503, visitors: 11 },
    ]);
    assert.deepEqual(await store.hourly("old1", "2026-11-24T00", "2026-11-24T23"), [
      { bucket: "2026-11-24T09", hits: 500, visitors: 10 },
      { bucket: "2026-11-24T10", hits: 3, visitors: 1 },
    ]);
    assert.deepEqual(await store.breakdown("old1", "page", "2026-11-24", "2026-11-24", 10), [
      { value: "/old", hits: 503 },
    ]);
    const after = await store.getCounter("old1");
    assert.deepEqual([after?.hits, after?.visitors], [1503, 41]);
  } finally {
    await store.close();
  }
});
