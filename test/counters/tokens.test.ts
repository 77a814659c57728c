// Counter ids: short, unguessable, and usable as a command-line argument.

import assert from "node:assert/strict";
import { it } from "node:test";
import { newId } from "../../src/counters/tokens.js";

it("ids are 12 URL-safe characters and never start with - or _", () => {
  // One id in 32 would start with either if the first character were drawn like the rest.
  const ids = Array.from({ length: 5_000 }, newId);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_-]{11}$/);
  assert.equal(new Set(ids).size, ids.length);
});
