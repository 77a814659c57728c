// What a PostgreSQL node adds to the rollups from the journal rows not folded yet
// (store/postgres/unfolded.ts): each row's figures are read once and kept, and the sums stay
// exact through new rows, rows that are folded, a reset, and past the bound of kept figures.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import pg from "pg";
import { openPostgres } from "../../src/store/postgres/index.js";
import { UnfoldedJournal } from "../../src/store/postgres/unfolded.js";
import type { Store } from "../../src/store/store.js";
import { batchOf } from "../helpers/batch.js";
import { dropSchema, freshSchema, PG_URL } from "../helpers/postgres.js";
import { counterRow as counter } from "../helpers/rows.js";

describe("postgres: the journal rows not folded yet", () => {
  const schema = freshSchema();
  let store: Store;
  const client = new pg.Client({ connectionString: PG_URL });
  /** SQL as the store's sessions send it: in the test's schema. */
  const query = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows;
  after(async () => {
    await store?.close();
    await client.end();
    await dropSchema(schema);
  });

  /** Each counter's figures as one journal sees them: in all, and per day. */
  async function seen(j: UnfoldedJournal) {
    const rows = await query("SELECT id, reset_seq FROM counters ORDER BY id", []);
    const got = await j.of(new Map(rows.map((r) => [r.id as string, Number(r.reset_seq)])));
    const out: Record<string, { hits: number; visitors: number; days: Record<string, number> }> = {};
    for (const [id, t] of [...got].sort(([a], [b]) => a.localeCompare(b))) {
      const days: Record<string, number> = {};
      for (const d of t.days) days[d.day] = d.hits;
      out[id] = { hits: t.hits, visitors: t.visitors, days };
    }
    return out;
  }

  it("adds each unfolded row once, forgets folded rows, skips a counter's rows before its reset", async () => {
    // No fold unless asked: the journal keeps what is committed.
    store = await openPostgres({ url: PG_URL, schema, foldEveryMs: 3_600_000 });
    await client.connect();
    await client.query(`SET search_path TO "${schema}"`);
    await store.createCounter(counter("a"));
    await store.createCounter(counter("b"));
    const kept = new UnfoldedJournal(query);
    // Keeps at most one counter-day: most rows are read again on every call.
    const tight = new UnfoldedJournal(query, 1);
    const both = async () => {
      const x = await seen(kept);
      assert.deepEqual(await seen(tight), x, "the same figures past the bound of kept ones");
      assert.deepEqual(await seen(kept), x, "the same figures from what was kept");
      return x;
    };

    await store.applyBatch(
      batchOf([
        { counter: "a", hour: "2026-12-01T10", hits: 3, visitors: ["v1", "v2"] },
        { counter: "b", hour: "2026-12-01T10", hits: 1, visitors: ["v1"] },
      ]),
    );
    await store.applyBatch(
      batchOf([
        { counter: "a", hour: "2026-12-01T11", hits: 2, visitors: ["v1"] },
        { counter: "a", hour: "2026-12-02T00", hits: 4, visitors: ["v1"] },
      ]),
    );
    assert.deepEqual(await both(), {
      a: { hits: 9, visitors: 3, days: { "2026-12-01": 5, "2026-12-02": 4 } },
      b: { hits: 1, visitors: 1, days: { "2026-12-01": 1 } },
    });

    // Folded: the rows are in the rollups now, and no longer added.
    await store.daily("a", "2026-12-01", "2026-12-02");
    assert.deepEqual(await both(), {});
    assert.equal((await store.getCounter("a"))?.hits, 9);

    await store.applyBatch(batchOf([{ counter: "b", hour: "2026-12-02T01", hits: 5, visitors: ["v2"] }]));
    await store.applyBatch(batchOf([{ counter: "a", hour: "2026-12-02T01", hits: 1, visitors: [] }]));
    assert.deepEqual(await both(), {
      a: { hits: 1, visitors: 0, days: { "2026-12-02": 1 } },
      b: { hits: 5, visitors: 1, days: { "2026-12-02": 5 } },
    });

    // A reset of b: its rows up to the reset are skipped, a's stay, later rows count.
    await store.resetCounter("b");
    await store.applyBatch(batchOf([{ counter: "b", hour: "2026-12-02T02", hits: 2, visitors: ["v3"] }]));
    assert.deepEqual(await both(), {
      a: { hits: 1, visitors: 0, days: { "2026-12-02": 1 } },
      b: { hits: 2, visitors: 1, days: { "2026-12-02": 2 } },
    });
    const b = await store.getCounter("b");
    assert.deepEqual([b?.hits, b?.visitors], [2, 1], "the store's own reads agree");

    // A row whose seq is below one listed already (it committed later): left out at first,
    // never counted high, and read by its seq on the next call.
    const [{ m }] = await query("SELECT max(seq)::int AS m FROM journal", []);
    const row = (seq: number, hits: number) =>
      query(
        `INSERT INTO journal (seq, id, data, c, d, h, vc, vh)
         VALUES ($1, $2, '[2,[],[]]', ARRAY['a'], ARRAY['2026-12-02'], ARRAY[$3::int], '{}', '{}')`,
        [seq, `late-${seq}`, hits],
      );
    await row(m + 10, 7);
    assert.equal((await both()).a?.hits, 8);
    await row(m + 5, 3);
    for (const j of [kept, tight]) assert.ok(((await seen(j)).a?.hits ?? 0) <= 11, "never high");
    assert.deepEqual(await both(), {
      a: { hits: 11, visitors: 0, days: { "2026-12-02": 11 } },
      b: { hits: 2, visitors: 1, days: { "2026-12-02": 2 } },
    });
    await query("DELETE FROM journal WHERE id LIKE 'late-%'", []);
  });
});
