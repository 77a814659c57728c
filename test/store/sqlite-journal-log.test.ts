// The journal log on disk: records read back in order across segments; a record a crash cut
// short is cut off on the next start, and numbering goes on from the last whole one; damage
// before the end is reported and skipped, never blocks what follows; a reader sees only what the writer
// published; folded segments are deleted, the rest kept.

import assert from "node:assert/strict";
import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { JournalLog } from "../../src/store/sqlite/journal-log.js";
import { tempDir } from "../helpers/server.js";

const segmentsOf = (dataDir: string) => readdirSync(join(dataDir, "journal")).sort();
const datas = (log: JournalLog, after = 0) => log.read(after, Number.MAX_SAFE_INTEGER, 1000).map((r) => r.data);

it("records read back in order, across segments and from any point, with text of any kind", () => {
  const dataDir = tempDir();
  const log = JournalLog.writer(dataDir, { sync: "normal", shared: JournalLog.shared(), segmentBytes: 40 });
  const written = ["a", 'ü€😀 \u0000 "quoted"', "x".repeat(300), "d", "e"];
  for (const [i, d] of written.entries()) assert.equal(log.write(d), i + 1);
  assert.ok(segmentsOf(dataDir).length >= 3, `segments: ${segmentsOf(dataDir)}`);
  assert.deepEqual(datas(log), written);
  assert.deepEqual(datas(log, 3), ["d", "e"]);
  assert.deepEqual(
    log.read(1, 4, 2).map((r) => r.seq),
    [2, 3],
  );
  assert.deepEqual(
    log.read(3, 4, 10).map((r) => r.seq),
    [4],
    "continues where the last read stopped, bounded by upTo",
  );
  log.close();
  const again = JournalLog.writer(dataDir, { sync: "full", shared: JournalLog.shared(), segmentBytes: 40 });
  assert.equal(again.last(), 5);
  assert.equal(again.write("f"), 6);
  assert.deepEqual(datas(again, 4), ["e", "f"]);
  again.close();
});

it("a record cut short by a crash is cut off on start, and the next append takes its number", () => {
  for (const damage of ["cut", "flipped"] as const) {
    const dataDir = tempDir();
    const log = JournalLog.writer(dataDir, { sync: "normal", shared: JournalLog.shared() });
    log.write("one");
    log.write("two");
    log.write("three, to be damaged");
    log.close();
    const file = join(dataDir, "journal", segmentsOf(dataDir)[0] as string);
    const size = statSync(file).size;
    if (damage === "cut") truncateSync(file, size - 3);
    else {
      const bytes = readFileSync(file);
      bytes[size - 2] = (bytes[size - 2] as number) ^ 0xff;
      writeFileSync(file, bytes);
    }
    const reopened = JournalLog.writer(dataDir, { sync: "normal", shared: JournalLog.shared() });
    assert.equal(reopened.last(), 2, damage);
    // The damaged bytes are gone: the file ends with "two"'s record (16-byte header each).
    assert.equal(statSync(file).size, 2 * (16 + 3), damage);
    assert.equal(reopened.write("three again"), 3);
    assert.deepEqual(datas(reopened), ["one", "two", "three again"], damage);
    reopened.close();
  }
});

it("a whole record out of sequence, such as stale bytes, ends the log there", () => {
  const dataDir = tempDir();
  const log = JournalLog.writer(dataDir, { sync: "normal", shared: JournalLog.shared() });
  log.write("one");
  log.write("two");
  log.close();
  const file = join(dataDir, "journal", segmentsOf(dataDir)[0] as string);
  appendFileSync(file, readFileSync(file).subarray(0, 16 + 3)); // record 1 again, checksum and all
  const reopened = JournalLog.writer(dataDir, { sync: "normal", shared: JournalLog.shared() });
  assert.equal(reopened.last(), 2);
  assert.equal(reopened.write("three"), 3);
  assert.deepEqual(datas(reopened), ["one", "two", "three"]);
  reopened.close();
});

it("a record damaged before the published end is reported and skipped; reading goes on after it", () => {
  const dataDir = tempDir();
  const shared = JournalLog.shared();
  const log = JournalLog.writer(dataDir, { sync: "normal", shared });
  for (const d of ["one", "two", "three", "four"]) log.write(d);
  const file = join(dataDir, "journal", segmentsOf(dataDir)[0] as string);
  const bytes = readFileSync(file);
  // Flip a byte of record 2's body ("two" starts after record 1's 16 + 3 bytes and its header).
  const at = 16 + 3 + 16 + 1;
  bytes[at] = (bytes[at] as number) ^ 0xff;
  writeFileSync(file, bytes);
  const lost: [number, number][] = [];
  const reader = JournalLog.reader(dataDir, { sync: "normal", shared, onDamage: (from, to) => lost.push([from, to]) });
  assert.deepEqual(
    reader.read(0, 4, 10).map((r) => [r.seq, r.data]),
    [
      [1, "one"],
      [2, ""],
      [3, "three"],
      [4, "four"],
    ],
    'the damaged record stands as "" so the fold moves past it',
  );
  assert.deepEqual(lost, [[2, 2]]);
  reader.close();
  log.close();
});

it("a damaged older segment: what follows in later segments is read; a lost end is reported", () => {
  const dataDir = tempDir();
  const shared = JournalLog.shared();
  const log = JournalLog.writer(dataDir, { sync: "normal", shared, segmentBytes: 40 });
  for (let i = 1; i <= 6; i++) log.write(`record ${i} with some length`);
  const first = join(dataDir, "journal", segmentsOf(dataDir)[0] as string);
  writeFileSync(first, Buffer.alloc(statSync(first).size, 0xee)); // the whole segment garbled
  const lost: [number, number][] = [];
  const reader = JournalLog.reader(dataDir, { sync: "normal", shared, onDamage: (from, to) => lost.push([from, to]) });
  assert.deepEqual(
    reader.read(0, 6, 10).map((r) => r.seq),
    [1, 2, 3, 4, 5, 6],
  );
  assert.deepEqual(lost, [[1, 1]]);
  reader.close();
  log.close();
});

it("a reader on another thread's log sees only what the writer published", () => {
  const dataDir = tempDir();
  const shared = JournalLog.shared();
  const log = JournalLog.writer(dataDir, { sync: "normal", shared });
  const reader = JournalLog.reader(dataDir, { sync: "normal", shared });
  assert.equal(reader.last(), 0);
  log.write("one");
  // Bytes of a record being written, not yet published: the reader must not take them.
  appendFileSync(join(dataDir, "journal", segmentsOf(dataDir)[0] as string), Buffer.alloc(40, 7));
  assert.equal(reader.last(), 1);
  assert.deepEqual(datas(reader), ["one"]);
  reader.close();
  log.close();
});

it("forget deletes the segments folded whole and keeps any holding a later record", () => {
  const dataDir = tempDir();
  const log = JournalLog.writer(dataDir, { sync: "normal", shared: JournalLog.shared(), segmentBytes: 40 });
  for (let i = 1; i <= 6; i++) log.write(`record ${i} with some length`);
  const before = segmentsOf(dataDir);
  assert.equal(before.length, 6);
  log.forget(3);
  assert.deepEqual(segmentsOf(dataDir), before.slice(3));
  assert.deepEqual(datas(log, 3), [
    "record 4 with some length",
    "record 5 with some length",
    "record 6 with some length",
  ]);
  log.forget(6);
  assert.deepEqual(segmentsOf(dataDir), [], "all folded: even the segment being written goes");
  assert.equal(log.write("seven"), 7);
  assert.deepEqual(datas(log, 6), ["seven"]);
  log.close();
});
