// The SQLite fold: journal rows merged ahead of time (absorb) are written once, with whatever
// came after them, and a fold whose transaction fails leaves the rollups as they were and
// folds the same rows, exactly once, next time.

import assert from "node:assert/strict";
import { it } from "node:test";
import type Database from "better-sqlite3";
import { encodeBatch } from "../../src/store/journal-rows.js";
import { RollupWriter } from "../../src/store/sqlite/fold.js";
import { JournalLog } from "../../src/store/sqlite/journal-log.js";
import { openRollups } from "../../src/store/sqlite/open.js";
import { batchOf } from "../helpers/batch.js";
import { tempDir } from "../helpers/server.js";

const HOUR = "2026-11-24T10";

function setUp() {
  const dataDir = tempDir();
  const db = openRollups(dataDir, "normal");
  db.prepare(
    `INSERT INTO counters (id, token_hash, label, origins, public, time_zone, dedupe_seconds, show,
       honor_privacy, created_at) VALUES ('f1', 'x', 'views', '[]', 1, 'UTC', 0, 'hits', 0, 0)`,
  ).run();
  const journal = JournalLog.writer(dataDir, { sync: "normal", shared: JournalLog.shared() });
  return { dataDir, db, journal, folder: new RollupWriter(db, 100) };
}

/** Journals a batch of `hits` hits on counter f1, on page `page`, by one new visitor. */
function commit(journal: JournalLog, hits: number, page: string, visitor: string): void {
  const batch = batchOf([{ counter: "f1", hour: HOUR, hits, dims: [["page", page, hits]], visitors: [visitor] }]);
  journal.write(encodeBatch(batch, [[visitor]]));
}

function stored(db: Database.Database) {
  return {
    counter: db.prepare("SELECT hits, visitors FROM counters WHERE id = 'f1'").get(),
    daily: db.prepare("SELECT hits, visitors FROM daily WHERE counter_id = 'f1'").all(),
    pages: db.prepare("SELECT value, hits FROM dims WHERE counter_id = 'f1' AND dim = 'page' ORDER BY value").all(),
    watermark: db.prepare("SELECT value FROM meta WHERE key = 'folded_seq'").pluck().get(),
  };
}

it("rows absorbed before a fold are written once, together with the rows that came after", () => {
  const { db, journal, folder } = setUp();
  commit(journal, 2, "/a", "v1");
  commit(journal, 3, "/b", "v2");
  folder.absorb(journal);
  folder.absorb(journal); // nothing new: merges nothing twice
  assert.equal(stored(db).watermark, 0, "absorbing writes nothing");
  commit(journal, 4, "/a", "v3");
  assert.equal(folder.foldAll(journal), 3);
  assert.equal(folder.foldAll(journal), 3, "a second fold finds nothing");
  assert.deepEqual(stored(db), {
    counter: { hits: 9, visitors: 3 },
    daily: [{ hits: 9, visitors: 3 }],
    pages: [
      { value: "/a", hits: 6 },
      { value: "/b", hits: 3 },
    ],
    watermark: 3,
  });
});

it("a fold whose transaction fails writes nothing, and the next one folds the same rows once", () => {
  const { dataDir, db, journal, folder } = setUp();
  commit(journal, 2, "/a", "v1");
  folder.absorb(journal);
  commit(journal, 1, "/a", "v2");
  // Another connection holds the write lock; the fold gives up at once instead of waiting.
  db.pragma("busy_timeout = 0");
  const other = openRollups(dataDir, "normal");
  other.exec("BEGIN IMMEDIATE");
  assert.throws(() => folder.foldAll(journal), /locked|busy/i);
  other.exec("COMMIT");
  other.close();
  assert.deepEqual(stored(db).counter, { hits: 0, visitors: 0 });
  assert.equal(folder.foldAll(journal), 2);
  assert.deepEqual(stored(db), {
    counter: { hits: 3, visitors: 2 },
    daily: [{ hits: 3, visitors: 2 }],
    pages: [{ value: "/a", hits: 3 }],
    watermark: 2,
  });
});

it("a backlog of new visitors is folded in steps of the fold's visitor bound, each row once", () => {
  const { db, journal } = setUp();
  const folder = new RollupWriter(db, 100, 3);
  for (let i = 0; i < 8; i++) commit(journal, 1, "/a", `v${i}`);
  folder.absorb(journal);
  assert.ok(folder.full(), "three new visitors wait: the worker folds now, not at its interval");
  assert.equal(stored(db).watermark, 0);
  assert.equal(folder.foldAll(journal), 8, "one fold takes the whole backlog, three visitors at a time");
  assert.equal(folder.full(), false);
  assert.deepEqual(stored(db).counter, { hits: 8, visitors: 8 });
  assert.deepEqual(stored(db).daily, [{ hits: 8, visitors: 8 }]);
});
