// The SQLite store writes hitcounter.db only from its fold worker: a write that meets a long
// fold transaction waits there, and the event loop, which answers every hit, stays free; hits
// committed meanwhile land after the write. The worker also runs below the event loop's
// priority, so a fold never takes half the core from answers.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import Database from "better-sqlite3";
import { DEFAULT_SETTINGS } from "../../src/counters/settings.js";
import { openSqlite } from "../../src/store/sqlite/index.js";
import type { Batch } from "../../src/store/store.js";
import { batchOf } from "../helpers/batch.js";
import { tempDir } from "../helpers/server.js";

it("creating a counter while hitcounter.db is locked by a long transaction doesn't block the event loop", async () => {
  const dataDir = tempDir();
  const store = openSqlite({ dataDir });
  await store.salt("2026-11-24"); // the worker is up and has written once
  // Another connection holds the write lock, as a long fold does.
  const other = new Database(join(dataDir, "hitcounter.db"));
  other.exec("BEGIN IMMEDIATE");
  let released = false;
  try {
    const created = store.createCounter({
      ...DEFAULT_SETTINGS,
      id: "locked1",
      tokenHash: "x",
      createdAt: 0,
      hits: 0,
      visitors: 0,
      revision: 0,
      blocked: false,
    });
    // Were the insert run on this thread, it would sleep here in SQLite's busy handler,
    // timers would not fire, and the lock below could never be released.
    const ticks = await new Promise<number>((resolve) => {
      let n = 0;
      const t = setInterval(() => {
        if (++n === 5) {
          clearInterval(t);
          resolve(n);
        }
      }, 10);
    });
    assert.equal(ticks, 5);
    assert.equal(await store.getCounter("locked1"), undefined, "not written while the lock is held");
    other.exec("COMMIT");
    released = true;
    await created;
    assert.equal((await store.getCounter("locked1"))?.id, "locked1");
  } finally {
    if (!released) other.exec("ROLLBACK");
    other.close();
    await store.close();
  }
});

it("hits committed while a set count waits on the worker count on top of the new count", async () => {
  const dataDir = tempDir();
  const store = openSqlite({ dataDir });
  const day = "2026-11-24";
  const batch = (hits: number, visitor: string): Batch =>
    batchOf([{ counter: "edit1", hour: `${day}T10`, hits, visitors: [visitor] }]);
  await store.createCounter({
    ...DEFAULT_SETTINGS,
    id: "edit1",
    tokenHash: "x",
    createdAt: 0,
    hits: 0,
    visitors: 0,
    revision: 0,
    blocked: false,
  });
  await store.applyBatch(batch(7, "v1"));
  const other = new Database(join(dataDir, "hitcounter.db"));
  other.exec("BEGIN IMMEDIATE");
  try {
    const edited = store.setHits("edit1", 100);
    // The worker has taken the edit and waits for the lock in front of its fold; these hits
    // reach the journal after the rows that fold covers.
    await new Promise((r) => setTimeout(r, 300));
    await store.applyBatch(batch(5, "v2"));
    other.exec("COMMIT");
    await edited;
  } finally {
    if (other.inTransaction) other.exec("ROLLBACK");
    other.close();
  }
  const shown = await store.getCounter("edit1");
  assert.equal(shown?.hits, 105, "the count set, plus the hits committed after it");
  assert.equal((await store.getDay("edit1", day)).hits, 12, "today's figure keeps every hit");
  await store.close();
  const reopened = openSqlite({ dataDir });
  assert.equal((await reopened.getCounter("edit1"))?.hits, 105, "what is stored agrees");
  await reopened.close();
});

/** The nice value of each thread of this process (Linux /proc), by thread id. */
function threadNice(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    // Fields after the ")" that ends the thread name; nice is the 19th field of stat.
    out.set(tid, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]));
  }
  return out;
}

it("the fold worker runs five nice steps below the event loop", {
  skip: !existsSync("/proc/thread-self"),
}, async () => {
  const before = threadNice();
  const main = before.get(String(process.pid)) as number;
  const store = openSqlite({ dataDir: tempDir() });
  try {
    await store.salt("2026-11-24"); // the worker is up and has answered
    const lowered = [...threadNice()].filter(([tid, nice]) => !before.has(tid) && nice === Math.min(19, main + 5));
    assert.ok(lowered.length >= 1, "the fold worker's thread is at the lower priority");
    assert.equal(threadNice().get(String(process.pid)), main, "the event loop keeps its priority");
  } finally {
    await store.close();
  }
});
