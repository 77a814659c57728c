import assert from "node:assert/strict";
import { test } from "node:test";
import { RecentVisitors } from "../../src/ingest/recent.js";

test("right now: distinct visitors of the last five minutes, per counter", () => {
  let now = Date.UTC(2026, 10, 24, 12, 0, 30);
  const recent = new RecentVisitors(() => now);
  recent.seen("a", "v1");
  recent.seen("a", "v1");
  recent.seen("a", "v2");
  recent.seen("b", "v1");
  assert.equal(recent.count("a"), 2);
  assert.equal(recent.count("b"), 1);
  assert.equal(recent.count("unknown"), 0);

  now += 3 * 60_000; // same visitor again three minutes later is still one visitor
  recent.seen("a", "v1");
  recent.seen("a", "v3");
  assert.equal(recent.count("a"), 3);

  now += 2 * 60_000; // the first minute has left the window; v1 stays through its later visit
  assert.equal(recent.count("a"), 2);
  recent.seen("a", "v4");
  assert.equal(recent.count("a"), 3);

  now += 5 * 60_000; // nothing for five minutes
  assert.equal(recent.count("a"), 0);
  assert.equal(recent.count("b"), 0);
});

test("right now: a slot reused a ring later starts empty", () => {
  let now = 0;
  const recent = new RecentVisitors(() => now);
  recent.seen("a", "old");
  now += 5 * 60_000; // same slot index, five minutes on
  recent.seen("a", "new");
  assert.equal(recent.count("a"), 1);
});
