// The SQLite store's journal rows: what a batch becomes on disk and back; sequence numbers,
// which must never fall below the fold watermark; and a damaged older segment, skipped with
// the loss reported.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { DEFAULT_SETTINGS } from "../../src/counters/settings.js";
import { dimKey } from "../../src/store/caps.js";
import { encodeBatch, mergeEntries } from "../../src/store/journal-rows.js";
import { openSqlite } from "../../src/store/sqlite/index.js";
import { JournalLog } from "../../src/store/sqlite/journal-log.js";
import type { Batch, CounterDelta, Store } from "../../src/store/store.js";
import { batchOf } from "../helpers/batch.js";
import { tempDir } from "../helpers/server.js";

function delta(hits: [hour: string, n: number][], pages: [string, string, number][], visitors: [string, string][]) {
  const d: CounterDelta = { hits: 0, days: new Map(), hours: new Map(), dims: new Map(), visitors: new Map() };
  for (const [hour, n] of hits) {
    d.hits += n;
    d.hours.set(hour, n);
    const day = hour.slice(0, 10);
    d.days.set(day, (d.days.get(day) ?? 0) + n);
  }
  for (const [day, page, n] of pages) d.dims.set(dimKey(day, "page", page), n);
  for (const [hash, hour] of visitors) d.visitors.set(hash, hour);
  return d;
}

it("a batch reads back as it was written, within one hour and across midnight", () => {
  const oneHour = delta(
    [["2026-11-24T10", 3]],
    [
      ["2026-11-24", '/a\u0000b"<x>', 2],
      ["2026-11-24", "/", 1],
    ],
    [
      ["h1", "2026-11-24T10"],
      ["h2", "2026-11-24T10"],
    ],
  );
  const midnight = delta(
    [
      ["2026-11-24T23", 1],
      ["2026-11-25T00", 2],
    ],
    [
      ["2026-11-24", "/", 1],
      ["2026-11-25", "/", 2],
    ],
    [["h3", "2026-11-25T00"]],
  );
  const batch = batchOf(
    [
      {
        counter: "c1",
        hour: "2026-11-24T10",
        hits: 3,
        dims: [
          ["page", '/a\u0000b"<x>', 2],
          ["page", "/", 1],
        ],
        visitors: ["h1", "h2"],
      },
      { counter: "c2", hour: "2026-11-24T23", hits: 1, dims: [["page", "/", 1]] },
      { counter: "gone", hour: "2026-11-24T23", hits: 1, dims: [["page", "/", 1]], visitors: ["h9"] },
      { counter: "c2", hour: "2026-11-25T00", hits: 2, dims: [["page", "/", 2]], visitors: ["h3"] },
    ],
    "b1",
  );
  // "gone": a counter deleted while its hits waited, left out of the row.
  const row = encodeBatch(batch, [["h1", "h2"], [], undefined, ["h3"]]);
  const parsed = JSON.parse(row) as unknown[];
  assert.equal(parsed[0], 2, "a row with a string table");
  assert.deepEqual(parsed[1], [
    'page\u0000/a\u0000b"<x>',
    "page\u0000/",
    "2026-11-24T10",
    "2026-11-24T23",
    "2026-11-25T00",
  ]);
  assert.deepEqual(parsed.slice(2), [
    ["c1", 3, 2, [0, 2, 1, 1], ["h1", "h2"]],
    ["c2", 1, 3, [1, 1], []],
    ["c2", 2, 4, [1, 2], ["h3"]],
  ]);
  const back = mergeEntries([row]);
  assert.deepEqual(back.get("c1"), oneHour);
  assert.deepEqual(back.get("c2"), midnight);
});

/** A batch of `hits` hits on one counter, as the committer hands it to the store. */
function oneCounterBatch(id: string, hits: number): Batch {
  return batchOf([{ counter: id, hour: "2026-11-24T10", hits }]);
}

/** Creates counter `id` with no hits. */
async function createEmpty(store: Store, id: string): Promise<void> {
  await store.createCounter({
    ...DEFAULT_SETTINGS,
    id,
    tokenHash: "x",
    createdAt: 0,
    hits: 0,
    visitors: 0,
    revision: 0,
    blocked: false,
  });
}

async function storedHits(dataDir: string, id: string): Promise<number | undefined> {
  const store = openSqlite({ dataDir });
  const hits = (await store.getCounter(id))?.hits;
  await store.close();
  return hits;
}

it("sequence numbers keep growing after the journal was folded and emptied, restart after restart", async () => {
  const dataDir = tempDir();
  for (let round = 1; round <= 3; round++) {
    const store = openSqlite({ dataDir });
    if (round === 1) await createEmpty(store, "seq1");
    await store.applyBatch(oneCounterBatch("seq1", 2));
    await store.applyBatch(oneCounterBatch("seq1", 1));
    // Closing folds the journal and empties it: a number handed out again from its end
    // would sit below the fold watermark, and the next start would skip that batch.
    await store.close();
    assert.equal(await storedHits(dataDir, "seq1"), 3 * round);
  }
});

it("sequence numbers continue after the watermark when the journal folder was lost", async () => {
  const dataDir = tempDir();
  const store = openSqlite({ dataDir });
  await createEmpty(store, "lost1");
  await store.applyBatch(oneCounterBatch("lost1", 2));
  await store.close();
  rmSync(join(dataDir, "journal"), { recursive: true });
  for (let round = 1; round <= 2; round++) {
    const again = openSqlite({ dataDir });
    await again.applyBatch(oneCounterBatch("lost1", 1));
    await again.close();
    assert.equal(await storedHits(dataDir, "lost1"), 2 + round);
  }
});

it("a damaged older journal segment does not stop later hits from being folded; the loss is reported", async () => {
  const dataDir = tempDir();
  const first = openSqlite({ dataDir });
  await createEmpty(first, "dmg1");
  await first.close();
  // Batches journalled as a killed server would leave them, one segment each.
  const day = "2026-11-24";
  const log = JournalLog.writer(dataDir, { sync: "normal", shared: JournalLog.shared(), segmentBytes: 10 });
  for (let i = 0; i < 3; i++) {
    const b = batchOf([{ counter: "dmg1", hour: `${day}T10`, hits: 10, visitors: [`v${i}`] }]);
    log.write(
      encodeBatch(
        b,
        b.entries.map((e) => e.visitors),
      ),
    );
  }
  log.close();
  const segments = readdirSync(join(dataDir, "journal")).sort();
  assert.equal(segments.length, 3);
  const older = join(dataDir, "journal", segments[0] as string);
  const bytes = readFileSync(older);
  bytes[bytes.length - 2] = (bytes[bytes.length - 2] as number) ^ 0xff;
  writeFileSync(older, bytes);

  const warnings: string[] = [];
  const store = openSqlite({ dataDir, onWarning: (m) => warnings.push(m) });
  assert.equal((await store.getCounter("dmg1"))?.hits, 20, "the two whole batches were folded");
  assert.equal(store.health().lostRecords, 1);
  assert.match(warnings.join("\n"), /journal records 1 to 1 were damaged and skipped/);
  // The server built on it says so in /healthz and /metrics.
  const app = await buildApp(loadConfig([], { HITCOUNTER_DATA: dataDir }), store, { logger: false });
  const health = JSON.parse((await app.http.inject({ url: "/healthz" })).body);
  assert.match(health.degraded?.[0] ?? "", /journal records 1 to 1/);
  assert.match((await app.http.inject({ url: "/metrics" })).body, /^hitcounter_journal_records_lost 1$/m);
  await store.applyBatch(batchOf([{ counter: "dmg1", hour: `${day}T11`, hits: 5, visitors: ["v9"] }]));
  assert.deepEqual(await store.daily("dmg1", day, day), [{ bucket: day, hits: 25, visitors: 3 }]);
  await app.http.close();
});
