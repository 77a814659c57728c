import assert from "node:assert/strict";
import { test } from "node:test";
import { burstLog } from "../../src/observability/burst-log.js";

test("a repeating failure is logged once, then once a minute with the count; after a success at once again", () => {
  let now = 0;
  const lines: string[] = [];
  const b = burstLog(
    (m) => lines.push(m),
    "commit failed",
    () => now,
  );
  for (let i = 0; i < 100; i++) b.failed(new Error("down"));
  assert.deepEqual(lines, ["commit failed"]);
  now = 61_000;
  b.failed(new Error("down"));
  assert.deepEqual(lines, ["commit failed", "commit failed (100 times since the last report)"]);
  b.ok();
  now = 62_000;
  b.failed(new Error("down again"));
  assert.equal(lines.length, 3);
});
