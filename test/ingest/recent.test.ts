import assert from "node:assert/strict";
import { test } from "node:test";
import type { Hit } from "../../src/hit.js";
import { RecentVisitors } from "../../src/ingest/recent.js";
import { VisitorBook } from "../../src/ingest/visitor-book.js";

const HIT: Hit = {
  counterId: "",
  ip: "10.0.0.1",
  address: "10.0.0.1",
  userAgent: "Mozilla/5.0 Firefox/140.0",
  sourceHost: "",
  page: "/",
  referrerHost: "",
  referrerUrl: "",
  privacySignal: false,
  imageProxy: false,
};

/** A right-now tracker with its visitor book, counting hits at the clock's minute. */
function tracker(clock: () => number) {
  const recent = new RecentVisitors(clock);
  const book = new VisitorBook();
  const counted = (counter: string, visitor: string) => {
    const minute = Math.floor(clock() / 60_000);
    // A visitor hash is per counter: the test's names are per counter too.
    recent.counted(counter, `${counter}/${visitor}`, book.see(`${counter}/${visitor}`, HIT, minute), minute);
  };
  return { recent, book, counted };
}

test("right now: distinct visitors of the last five minutes, per counter", () => {
  let now = Date.UTC(2026, 10, 24, 12, 0, 30);
  const { recent, counted } = tracker(() => now);
  counted("a", "v1");
  counted("a", "v1");
  counted("a", "v2");
  counted("b", "v1");
  assert.equal(recent.count("a"), 2);
  assert.equal(recent.count("b"), 1);
  assert.equal(recent.count("unknown"), 0);

  now += 3 * 60_000; // same visitor again three minutes later is still one visitor
  counted("a", "v1");
  counted("a", "v3");
  assert.equal(recent.count("a"), 3);

  now += 2 * 60_000; // the first minute has left the window; v1 stays through its later visit
  assert.equal(recent.count("a"), 2);
  counted("a", "v4");
  assert.equal(recent.count("a"), 3);

  now += 5 * 60_000; // nothing for five minutes
  assert.equal(recent.count("a"), 0);
  assert.equal(recent.count("b"), 0);
});

test("right now: a slot reused a ring later starts empty", () => {
  let now = 0;
  const { recent, counted } = tracker(() => now);
  counted("a", "old");
  now += 5 * 60_000; // same slot index, five minutes on
  counted("a", "new");
  assert.equal(recent.count("a"), 1);
  counted("a", "old"); // back after five minutes: its old minute is out of the window
  assert.equal(recent.count("a"), 2);
});

test("the visitor book keeps a visitor through the next generation, then forgets it", () => {
  const book = new VisitorBook();
  const first = book.see("v", HIT, 9); // generation 1 (minutes 5-9)
  assert.equal(first.ua.browser, "Firefox");
  assert.equal(book.see("v", HIT, 12), first, "seen in the next generation: the same state");
  assert.equal(book.see("v", HIT, 19), first, "and again: carried on while seen");
  assert.notEqual(book.see("v", HIT, 30), first, "unseen for a whole generation: forgotten");
  const other = book.see("w", HIT, 31);
  assert.notEqual(book.see("w", HIT, 45), other, "a gap of two generations drops both");
});
