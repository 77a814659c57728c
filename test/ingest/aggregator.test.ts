import assert from "node:assert/strict";
import { test } from "node:test";
import type { LiveCounter } from "../../src/counters/registry.js";
import { DEFAULT_SETTINGS, newCounterRow } from "../../src/counters/settings.js";
import { Tally } from "../../src/counters/tally.js";
import type { Hit } from "../../src/hit.js";
import { PendingBatch } from "../../src/ingest/aggregator.js";
import { mergeBatch } from "../../src/store/delta-merger.js";

function live(id: string): LiveCounter {
  const row = newCounterRow(DEFAULT_SETTINGS, { id, tokenHash: "x", createdAt: 0, hits: 0 });
  return {
    row,
    pending: 0,
    pendingVisitors: 0,
    today: { day: "2026-11-24", hits: 0, visitors: 0 },
    lastUsed: 0,
    tally: new Tally(),
  };
}

const hit = (page: string, referrerHost = ""): Hit => ({
  counterId: "",
  ip: "",
  address: "",
  userAgent: "",
  sourceHost: "",
  page,
  referrerHost,
  referrerUrl: "",
  privacySignal: false,
  imageProxy: false,
});
const ua = { browser: "Firefox", os: "Linux", device: "desktop" };
const T10 = { day: "2026-11-24", hour: "2026-11-24T10" };
const T11 = { day: "2026-11-24", hour: "2026-11-24T11" };

test("a batch: one entry per counter and hour, each value once in its table, visitors once", () => {
  const a = live("a");
  const b = live("b");
  const batch = new PendingBatch();
  batch.add(a, T10, "va1", hit("/x"), ua, "DE");
  batch.add(b, T10, "vb1", hit("/x", "news.example"), ua, "");
  batch.add(a, T10, "va1", hit("/x"), ua, "DE");
  batch.add(a, T10, "va2", hit("/y"), ua, "DE");
  batch.add(a, T11, "va1", hit("/x"), ua, "DE");

  assert.equal(batch.size, 5);
  assert.equal(a.pending, 4);
  assert.deepEqual(batch.values, [
    "page\u0000/x",
    "browser\u0000Firefox",
    "os\u0000Linux",
    "device\u0000desktop",
    "country\u0000DE",
    "ref\u0000news.example",
    "page\u0000/y",
  ]);
  assert.deepEqual(
    batch.entries.map(({ counterId, hour, hits, dims, visitors }) => ({ counterId, hour, hits, dims, visitors })),
    [
      // A value repeated by the same entry is added up in place (country DE: 3); once another
      // entry took it in between (b: /x and the UA values), the repeat starts a new pair.
      {
        counterId: "a",
        hour: T10.hour,
        hits: 3,
        dims: [0, 1, 1, 1, 2, 1, 3, 1, 4, 3, 0, 1, 1, 2, 2, 2, 3, 2, 6, 1],
        visitors: ["va1", "va2"],
      },
      { counterId: "b", hour: T10.hour, hits: 1, dims: [0, 1, 5, 1, 1, 1, 2, 1, 3, 1], visitors: ["vb1"] },
      // the hour turned: a new entry; va1 is in the batch already (a hash is per counter and day)
      { counterId: "a", hour: T11.hour, hits: 1, dims: [0, 1, 1, 1, 2, 1, 3, 1, 4, 1], visitors: [] },
    ],
  );

  const merged = mergeBatch(batch).get("a");
  assert.equal(merged?.hits, 4);
  assert.deepEqual(
    [...(merged?.hours ?? [])],
    [
      [T10.hour, 3],
      [T11.hour, 1],
    ],
  );
  assert.equal(merged?.dims.get("2026-11-24\u0000page\u0000/x"), 3);
  assert.deepEqual([...(merged?.visitors.keys() ?? [])], ["va1", "va2"]);
});
