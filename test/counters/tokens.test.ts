// Counter ids and admin tokens: unguessable, and usable as command-line arguments.

import assert from "node:assert/strict";
import { it } from "node:test";
import { newId, newToken } from "../../src/counters/tokens.js";

it("ids are 12 URL-safe characters and never start with - or _", () => {
  // One id in 32 would start with either if the first character were drawn like the rest.
  const ids = Array.from({ length: 5_000 }, newId);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_-]{11}$/);
  assert.equal(new Set(ids).size, ids.length);
});

it("tokens are 43 URL-safe characters and never start with - or _", () => {
  // `hitcounter stats ID --token -Xy…` failed: the CLI read the token as an option.
  const tokens = Array.from({ length: 5_000 }, newToken);
  for (const t of tokens) assert.match(t, /^[A-Za-z0-9][A-Za-z0-9_-]{42}$/);
  assert.equal(new Set(tokens).size, tokens.length);
});
