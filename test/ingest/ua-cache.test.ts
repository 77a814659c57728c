// The user-agent cache's bound: full, it keeps what it learnt first and works out new
// user-agents without keeping them, and starts again after ten misses per entry.

import assert from "node:assert/strict";
import { it } from "node:test";
import { MAX_CACHED_UA_LENGTH, UaCache } from "../../src/ingest/ua-cache.js";

it("a full cache keeps its entries, keeps no new user-agent, and starts again after 10 misses per entry", () => {
  let derived = 0;
  const cache = new UaCache((ua) => {
    derived++;
    return ua.length;
  }, 3);
  for (const ua of ["a", "bb", "ccc"]) cache.get(ua);
  assert.equal(cache.size, 3);
  for (let i = 0; i < 29; i++) assert.equal(cache.get(`new ${i}`), `new ${i}`.length);
  assert.equal(cache.size, 3, "misses while full are not kept");
  derived = 0;
  assert.equal(cache.get("bb"), 2);
  assert.equal(derived, 0, "what it learnt first is still answered from the cache");
  cache.get("the thirtieth miss");
  assert.equal(cache.size, 0, "after 30 misses on 3 entries it starts again");
  cache.get("learnt again");
  assert.equal(cache.size, 1);
});

it("a user-agent longer than the bound is worked out each time, never kept", () => {
  let derived = 0;
  const cache = new UaCache(() => ++derived);
  const long = "x".repeat(MAX_CACHED_UA_LENGTH + 1);
  cache.get(long);
  cache.get(long);
  assert.equal(derived, 2);
  assert.equal(cache.size, 0);
});
