import assert from "node:assert/strict";
import { test } from "node:test";
import { DedupeMarks } from "../../src/ingest/dedupe-marks.js";

test("ended marks are dropped a few per call, never in one sweep; running ones stay", () => {
  const m = new DedupeMarks();
  const t = 1_800_000_000_000;
  for (let i = 0; i < 1000; i++) m.mark(`k${i}`, t + 60_000);
  m.mark("long", t + 3_600_000);
  assert.equal(m.has("k1", t), true);
  const later = t + 3 * 60_000;
  assert.equal(m.has("k1", later), false, "ended, even before it is dropped");
  m.expire(later);
  assert.ok(m.size >= 1001 - 8, `one call drops at most a few: ${m.size} left`);
  for (let i = 0; i < 200; i++) m.expire(later);
  assert.equal(m.size, 1, "all ended marks dropped over later calls");
  assert.equal(m.has("long", later), true);
});

test("a full table refuses new marks (the caller refuses the hit), keeps marking known keys", () => {
  const m = new DedupeMarks(2);
  assert.equal(m.mark("a", 10), true);
  assert.equal(m.mark("b", 10), true);
  assert.equal(m.mark("c", 10), false);
  assert.equal(m.mark("a", 20), true);
});

test("a key marked again after its mark ended keeps its new mark when the old bucket is worked off", () => {
  const m = new DedupeMarks();
  m.mark("k", 60_000);
  m.mark("k", 10 * 60_000);
  for (let i = 0; i < 20; i++) m.expire(5 * 60_000);
  assert.equal(m.has("k", 5 * 60_000), true);
});
