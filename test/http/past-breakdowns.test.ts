// Cached breakdowns of ended days merged with fresh ones must equal a direct aggregation, for
// ranges in the past, ranges reaching today, and after new hits arrive today.

import assert from "node:assert/strict";
import { it } from "node:test";
import { DEFAULT_SETTINGS } from "../../src/counters/settings.js";
import { PastBreakdowns } from "../../src/http/past-breakdowns.js";
import { openSqlite } from "../../src/store/sqlite/index.js";
import { batchOf, pages } from "../helpers/batch.js";
import { tempDir } from "../helpers/server.js";

it("past + fresh breakdowns equal a direct aggregation", async () => {
  const store = openSqlite({ dataDir: tempDir() });
  const id = "pastbreak01";
  await store.createCounter({
    id,
    ...DEFAULT_SETTINGS,
    tokenHash: "x",
    label: "l",
    createdAt: 0,
    hits: 0,
    visitors: 0,
    revision: 0,
    blocked: false,
  });
  const add = async (day: string, counts: Record<string, number>) => {
    const hits = Object.values(counts).reduce((a, b) => a + b, 0);
    await store.applyBatch(batchOf([{ counter: id, hour: `${day}T10`, hits, dims: pages(counts) }]));
  };
  await add("2026-11-01", { "/a": 5, "/b": 3, "/c": 1 });
  await add("2026-11-10", { "/b": 4, "/d": 2 });
  await add("2026-11-23", { "/c": 6 });
  await add("2026-11-24", { "/d": 5, "/e": 1 });
  const today = "2026-11-24";
  const past = new PastBreakdowns(store);
  const check = async (from: string, to: string, limit: number) => {
    const want = await store.breakdown(id, "page", from, to, limit);
    assert.deepEqual(await past.top(id, "page", from, to, today, limit), want, `${from}..${to} top ${limit}`);
  };
  for (const limit of [1, 2, 3, 10]) {
    await check("2026-11-01", "2026-11-10", limit);
    await check("2026-11-01", "2026-11-24", limit);
    await check("2026-11-20", "2026-11-24", limit);
    await check("2026-11-24", "2026-11-24", limit);
  }
  // New hits today (and late ones for yesterday) show at once; the cached past is untouched.
  await add("2026-11-24", { "/a": 10 });
  await add("2026-11-23", { "/b": 1 });
  await check("2026-11-01", "2026-11-24", 3);
  await check("2026-11-01", "2026-11-24", 10);
  await store.close();
});
