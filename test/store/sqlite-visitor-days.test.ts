// Unique visitors on SQLite under a memory budget: exact while the compact sets hold the
// day's hashes, and still exact once they are full (the store answers), before and after folds.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { DEFAULT_SETTINGS, newCounterRow } from "../../src/counters/settings.js";
import { SeenHashes } from "../../src/store/seen-hashes.js";
import { openSqlite } from "../../src/store/sqlite/index.js";
import { batchOf } from "../helpers/batch.js";
import { tempDir } from "../helpers/server.js";

const hashes = (n: number) => Array.from({ length: n }, () => randomBytes(16).toString("base64url").slice(0, 22));

test("the compact set: every added hash is found, another epoch finds none, a full budget refuses", () => {
  const budget = { used: 0, max: 64 * 1024 * 1024 };
  const set = new SeenHashes(budget);
  const hs = hashes(100_000);
  for (const h of hs) assert.equal(set.add(h, 1), true);
  for (const h of hs) assert.equal(set.add(h, 1), false);
  assert.equal(set.size, 100_000);
  assert.ok(hs.every((h) => set.has(h, 1)));
  assert.equal(
    hs.some((h) => set.has(h, 2)),
    false,
    "a counter's new epoch (after a reset) finds none of its old hashes",
  );
  assert.equal(hashes(1000).filter((h) => set.has(h, 1)).length, 0, "no false positives");
  assert.ok(budget.used < 100_000 * 13 * 2.2, `about 13 bytes a slot: ${budget.used}`);
  assert.equal(set.add("short", 1), true, "a hash of another shape is kept as it is");
  assert.equal(set.has("short", 1), true);

  const tiny = new SeenHashes({ used: 0, max: 60_000 });
  const results = hashes(5000).map((h) => tiny.add(h, 1));
  assert.ok(results.includes(undefined), "past its budget the set refuses");
});

test("a store whose visitor budget runs out still counts each visitor once a day, before and after folds", async () => {
  const store = openSqlite({ dataDir: tempDir(), visitorBudgetBytes: 60_000 });
  await store.createCounter(newCounterRow(DEFAULT_SETTINGS, { id: "busy1", tokenHash: "x", createdAt: 0, hits: 0 }));
  const visitors = hashes(6000);
  const day = "2026-11-24";
  let totalHits = 0;
  // Three passes over the same visitors, in batches of 200, a fold between the passes.
  for (let pass = 0; pass < 3; pass++) {
    for (let i = 0; i < visitors.length; i += 200) {
      const part = visitors.slice(i, i + 200);
      await store.applyBatch(batchOf([{ counter: "busy1", hour: `${day}T10`, hits: part.length, visitors: part }]));
      totalHits += part.length;
    }
    const got = await store.totals([{ id: "busy1", day }]);
    assert.equal(got.get("busy1")?.visitors, 6000, `pass ${pass}: each visitor once`);
    assert.equal(got.get("busy1")?.today.visitors, 6000);
    await store.daily("busy1", day, day); // folds
  }
  assert.deepEqual(await store.daily("busy1", day, day), [{ bucket: day, hits: totalHits, visitors: 6000 }]);
  await store.close();
});
