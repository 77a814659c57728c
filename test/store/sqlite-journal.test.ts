// The SQLite journal's row format: what a batch becomes on disk and back, in the compact
// one-hour form, the general form, and rows written before the compact form existed.

import assert from "node:assert/strict";
import { it } from "node:test";
import { dimKey } from "../../src/store/caps.js";
import { encodeBatch, mergeEntries } from "../../src/store/sqlite/journal.js";
import type { CounterDelta } from "../../src/store/store.js";

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
  const batch = {
    id: "b1",
    counters: new Map([
      ["c1", oneHour],
      ["c2", midnight],
    ]),
  };
  const row = encodeBatch(
    batch,
    new Map([
      ["c1", [...oneHour.visitors]],
      ["c2", [...midnight.visitors]],
    ]),
  );
  const parsed = JSON.parse(row) as unknown[][];
  assert.equal(parsed[0]?.length, 5, "one hour: the compact form");
  assert.equal(parsed[1]?.length, 6, "two hours: the general form");
  const back = mergeEntries([row]);
  assert.deepEqual(back.get("c1"), oneHour);
  assert.deepEqual(back.get("c2"), midnight);
});

it("rows in the general form only, as written before the compact form, still read, and merge", () => {
  const old = JSON.stringify([
    [
      "c1",
      2,
      [["2026-11-24", 2]],
      [["2026-11-24T10", 2]],
      [[dimKey("2026-11-24", "page", "/"), 2]],
      [["h1", "2026-11-24T10"]],
    ],
  ]);
  const compact = JSON.stringify([["c1", 1, "2026-11-24T10", ["page\u0000/", 1], ["h1", "h2"]]]);
  const d = mergeEntries([old, compact]).get("c1");
  assert.equal(d?.hits, 3);
  assert.deepEqual([...(d?.days ?? [])], [["2026-11-24", 3]]);
  assert.deepEqual([...(d?.dims ?? [])], [[dimKey("2026-11-24", "page", "/"), 3]]);
  assert.deepEqual(
    [...(d?.visitors ?? [])],
    [
      ["h1", "2026-11-24T10"],
      ["h2", "2026-11-24T10"],
    ],
  );
});
