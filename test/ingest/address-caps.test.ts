import assert from "node:assert/strict";
import { test } from "node:test";
import { AddressCaps } from "../../src/ingest/address-caps.js";

test("address caps: per address and counter, a second counter has its own count, a full table refuses new addresses", () => {
  const caps = new AddressCaps(2);
  const took = (address: string, counter: string, n: number) =>
    Array.from({ length: n }, () => caps.take(address, counter, 3, 0)).filter(Boolean).length;
  assert.equal(took("a", "c1", 5), 3);
  assert.equal(took("a", "c2", 5), 3, "another counter, its own cap");
  assert.equal(took("a", "c1", 1), 0);
  assert.equal(took("b", "c1", 1), 1);
  assert.equal(took("z", "c1", 1), 0, "the table holds two addresses: a third is refused");
  assert.equal(caps.take("z", "c1", 3, 60_000), true, "a new minute starts empty");
});
