import assert from "node:assert/strict";
import { test } from "node:test";
import { WindowLimit } from "../../src/limits/window-limit.js";

test("a full window refuses new keys instead of waving them through; known keys go on; a new window starts empty", () => {
  let now = 0;
  const limit = new WindowLimit(5, 60_000, () => now, 3);
  for (const k of ["a", "b", "c"]) assert.equal(limit.take(k), true);
  assert.equal(limit.take("d"), false, "the table is full: a new key is refused");
  assert.equal(limit.take("a"), true, "a key it holds is still counted");
  now = 60_000;
  assert.equal(limit.take("d"), true);
});

test("each key is held to its limit within the window, and the limit may be given per call", () => {
  const limit = new WindowLimit(2, 60_000, () => 0);
  assert.deepEqual([limit.take("x"), limit.take("x"), limit.take("x")], [true, true, false]);
  assert.deepEqual(
    [limit.take("y", 3), limit.take("y", 3), limit.take("y", 3), limit.take("y", 3)],
    [true, true, true, false],
  );
});
