// One suite for every storage backend: the same behaviours against a real SQLite file and the
// real PostgreSQL (in a schema of its own).

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { OTHER } from "../../src/store/caps.js";
import { openPostgres } from "../../src/store/postgres/index.js";
import { openSqlite } from "../../src/store/sqlite/index.js";
import type { Batch, CommittedTotals, Store } from "../../src/store/store.js";
import { batchOf, type EntrySpec } from "../helpers/batch.js";
import { dropSchema, freshSchema, PG_URL } from "../helpers/postgres.js";
import { counterRow as counter } from "../helpers/rows.js";
import { tempDir } from "../helpers/server.js";

const CAP = 3;

interface Backend {
  name: string;
  open(): Promise<{ store: Store; reopen?: () => Promise<Store>; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "sqlite",
    async open() {
      const dataDir = tempDir();
      return {
        store: openSqlite({ dataDir, dimCap: CAP }),
        reopen: async () => openSqlite({ dataDir, dimCap: CAP }),
        cleanup: async () => {},
      };
    },
  },
  {
    name: "postgres",
    async open() {
      const schema = freshSchema();
      return {
        store: await openPostgres({ url: PG_URL, schema, dimCap: CAP }),
        reopen: () => openPostgres({ url: PG_URL, schema, dimCap: CAP }),
        cleanup: () => dropSchema(schema),
      };
    },
  },
];

/** A batch of `hits` hits on one page by the given visitors, all in one hour. */
function delta(hour: string, hits: number, visitors: string[], pages: string[] = ["/"]): Delta {
  const dims = pages.map((p, i): [string, string, number] => ["page", p, i === 0 ? hits - pages.length + 1 : 1]);
  return { hour, hits, dims, visitors };
}

type Delta = Omit<EntrySpec, "counter">;

/**
 * Applies `b` and returns each counter's totals after it. A store that answers with what a batch
 * added (commitReturns "added") has its answer added to the figures read before, so both kinds
 * meet the same expectations; its reads after the batch must agree.
 */
async function apply(store: Store, b: Batch): Promise<Map<string, CommittedTotals>> {
  if (store.capabilities.commitReturns !== "added") return store.applyBatch(b);
  const ids = [...new Set(b.entries.map((e) => e.counterId))];
  const days = [...new Set(b.entries.map((e) => e.hour.slice(0, 10)))];
  const before = new Map<string, CommittedTotals>();
  for (const id of ids) {
    const row = await store.getCounter(id);
    if (!row) continue;
    const t: CommittedTotals = { hits: row.hits, visitors: row.visitors, days: [] };
    for (const day of days) t.days.push(await store.getDay(id, day));
    before.set(id, t);
  }
  const added = await store.applyBatch(b);
  for (const [id, t] of before) {
    const a = added.get(id);
    t.hits += a?.hits ?? 0;
    t.visitors += a?.visitors ?? 0;
    for (const d of t.days) {
      const ad = a?.days.find((x) => x.day === d.day);
      d.hits += ad?.hits ?? 0;
      d.visitors += ad?.visitors ?? 0;
    }
    t.days = t.days.filter((d) => a?.days.some((x) => x.day === d.day));
    const row = await store.getCounter(id);
    assert.deepEqual([row?.hits, row?.visitors], [t.hits, t.visitors], "the answer agrees with the store's reads");
  }
  return before;
}
const batch = (counters: [string, Delta][]): Batch => batchOf(counters.map(([counter, d]) => ({ counter, ...d })));

for (const backend of backends) {
  describe(`store contract: ${backend.name}`, () => {
    const opened: { cleanup(): Promise<void>; store: Store }[] = [];
    const open = async () => {
      const o = await backend.open();
      opened.push(o);
      return o;
    };
    after(async () => {
      for (const o of opened) {
        await o.store.close().catch(() => {});
        await o.cleanup();
      }
    });

    it("creates, reads and updates counters; unknown ids are undefined", async () => {
      const { store } = await open();
      await store.createCounter(counter("c1", { hits: 1000 }));
      const row = await store.getCounter("c1");
      assert.equal(row?.hits, 1000);
      assert.deepEqual(row?.origins, ["example.com"]);
      assert.equal(row?.timeZone, "Asia/Kolkata");
      assert.equal(await store.getCounter("nope"), undefined);
      await store.updateCounter("c1", { label: "<b>views</b>", origins: [], public: true, show: "visitors" });
      const updated = await store.getCounter("c1");
      assert.equal(updated?.label, "<b>views</b>");
      assert.deepEqual(updated?.origins, []);
      assert.equal(updated?.public, true);
      assert.equal(updated?.show, "visitors");
    });

    it("applies batches: totals, days, hours and visitors that are new only once a day", async () => {
      const { store } = await open();
      await store.createCounter(counter("c2"));
      const t1 = await apply(store, batch([["c2", delta("2026-11-24T10", 5, ["a", "b"])]]));
      assert.deepEqual(t1.get("c2"), { hits: 5, visitors: 2, days: [{ day: "2026-11-24", hits: 5, visitors: 2 }] });
      const t2 = await apply(store, batch([["c2", delta("2026-11-24T11", 3, ["b", "c"])]]));
      assert.deepEqual(t2.get("c2"), { hits: 8, visitors: 3, days: [{ day: "2026-11-24", hits: 8, visitors: 3 }] });
      assert.deepEqual(await store.getDay("c2", "2026-11-24"), { day: "2026-11-24", hits: 8, visitors: 3 });
      assert.deepEqual(await store.hourly("c2", "2026-11-24T00", "2026-11-24T23"), [
        { bucket: "2026-11-24T10", hits: 5, visitors: 2 },
        { bucket: "2026-11-24T11", hits: 3, visitors: 1 },
      ]);
      assert.deepEqual(await store.daily("c2", "2026-11-01", "2026-11-30"), [
        { bucket: "2026-11-24", hits: 8, visitors: 3 },
      ]);
      const got = await store.totals([{ id: "c2", day: "2026-11-24" }]);
      assert.deepEqual(got.get("c2"), {
        hits: 8,
        visitors: 3,
        today: { day: "2026-11-24", hits: 8, visitors: 3 },
        revision: 0,
      });
    });

    it("a batch crossing midnight: one counter in two entries, a value in two pairs of one entry", async () => {
      const { store } = await open();
      await store.createCounter(counter("c2m"));
      const t = await apply(
        store,
        batchOf([
          {
            counter: "c2m",
            hour: "2026-11-24T23",
            hits: 3,
            dims: [
              ["page", "/a", 1],
              ["page", "/b", 1],
              ["page", "/a", 1],
            ],
            visitors: ["x", "y"],
          },
          { counter: "c2m", hour: "2026-11-25T00", hits: 2, dims: [["page", "/a", 2]], visitors: ["z"] },
        ]),
      );
      const got = t.get("c2m");
      assert.deepEqual(
        { ...got, days: [...(got?.days ?? [])].sort((a, b) => a.day.localeCompare(b.day)) },
        {
          hits: 5,
          visitors: 3,
          days: [
            { day: "2026-11-24", hits: 3, visitors: 2 },
            { day: "2026-11-25", hits: 2, visitors: 1 },
          ],
        },
      );
      assert.deepEqual(await store.daily("c2m", "2026-11-01", "2026-11-30"), [
        { bucket: "2026-11-24", hits: 3, visitors: 2 },
        { bucket: "2026-11-25", hits: 2, visitors: 1 },
      ]);
      assert.deepEqual(await store.breakdown("c2m", "page", "2026-11-24", "2026-11-25", 10), [
        { value: "/a", hits: 4 },
        { value: "/b", hits: 1 },
      ]);
      assert.deepEqual((await store.getCounter("c2m"))?.hits, 5);
    });

    it("a batch id applied twice is counted once", async () => {
      const { store } = await open();
      await store.createCounter(counter("c3"));
      const b = batch([["c3", delta("2026-11-24T10", 4, ["a"])]]);
      await apply(store, b);
      const again = await apply(store, b);
      assert.equal(again.get("c3")?.hits, 4);
      assert.equal((await store.getCounter("c3"))?.hits, 4);
    });

    it("breakdowns keep at most the cap of distinct values and count the rest as (other)", async () => {
      const { store } = await open();
      await store.createCounter(counter("c4"));
      await apply(store, batch([["c4", delta("2026-11-24T10", 6, ["a"], ["/a", "/b", "/c", "/d", "/e"])]]));
      // A page literally named "(other)" meets the values folded into it in one batch.
      await apply(store, batch([["c4", delta("2026-11-24T10", 3, ["a"], ["/a", "/z", OTHER])]]));
      const rows = await store.breakdown("c4", "page", "2026-11-24", "2026-11-24", 10);
      const total = rows.reduce((s, r) => s + r.hits, 0);
      assert.equal(total, 9, "no hit lost to the cap");
      assert.equal(rows.find((r) => r.value === OTHER)?.hits, 4);
      assert.equal(rows.filter((r) => r.value !== OTHER).length, CAP);
      assert.ok(rows.some((r) => r.value === OTHER));
      assert.equal(rows.find((r) => r.value === "/a")?.hits, 3);
    });

    it("the cap is per counter and day: a day full of junk leaves the next day's values their own", async () => {
      const { store } = await open();
      await store.createCounter(counter("c9"));
      await apply(store, batch([["c9", delta("2026-11-24T10", 5, ["a"], ["/j1", "/j2", "/j3", "/real", "/j4"])]]));
      const first = await store.breakdown("c9", "page", "2026-11-24", "2026-11-24", 10);
      assert.equal(
        first.find((r) => r.value === "/real"),
        undefined,
        "past the cap on the junk day",
      );
      await apply(store, batch([["c9", delta("2026-11-25T09", 2, ["b"], ["/real", "/j1"])]]));
      const next = await store.breakdown("c9", "page", "2026-11-25", "2026-11-25", 10);
      assert.deepEqual(
        next.map((r) => r.value),
        ["/j1", "/real"],
      );
      assert.equal(
        next.find((r) => r.value === OTHER),
        undefined,
      );
    });

    it("deletes one breakdown value on every day, which frees its room under the cap", async () => {
      const { store } = await open();
      await store.createCounter(counter("c10"));
      await apply(store, batch([["c10", delta("2026-11-24T10", 3, ["a"], ["/a", "/spam", "/b"])]]));
      await apply(store, batch([["c10", delta("2026-11-25T10", 2, ["a"], ["/spam", "/a"])]]));
      await store.deleteBreakdownValue("c10", "page", "/spam");
      const rows = await store.breakdown("c10", "page", "2026-11-24", "2026-11-25", 10);
      assert.equal(
        rows.find((r) => r.value === "/spam"),
        undefined,
      );
      assert.equal(rows.find((r) => r.value === "/a")?.hits, 2);
      // The room /spam held on 11-24 is free again: a new value gets it instead of (other).
      await apply(store, batch([["c10", delta("2026-11-24T11", 1, ["a"], ["/new"])]]));
      const day = await store.breakdown("c10", "page", "2026-11-24", "2026-11-24", 10);
      assert.equal(day.find((r) => r.value === "/new")?.hits, 1);
      assert.equal((await store.getCounter("c10"))?.hits, 6, "totals keep the deleted value's hits");
    });

    it("token hash and block are changed like settings; the operator's list sorts by a day's hits or creation", async () => {
      const { store } = await open();
      await store.createCounter(counter("c11", { createdAt: 1_700_000_000_000 }));
      await store.createCounter(counter("c12", { createdAt: 1_700_000_100_000 }));
      await apply(store, batch([["c11", delta("2026-11-24T10", 3, ["a"])]]));
      await apply(store, batch([["c12", delta("2026-11-24T10", 1, ["a"])]]));
      await store.updateCounter("c11", { tokenHash: "t".repeat(64), blocked: true });
      const row = await store.getCounter("c11");
      assert.equal(row?.tokenHash, "t".repeat(64));
      assert.equal(row?.blocked, true);
      assert.equal(row?.revision, 1);
      const byHits = await store.listCounters("hits_today", "2026-11-24", 10);
      assert.deepEqual(
        byHits.filter((r) => r.id === "c11" || r.id === "c12").map((r) => [r.id, r.hitsToday, r.blocked]),
        [
          ["c11", 3, true],
          ["c12", 1, false],
        ],
      );
      const byCreation = await store.listCounters("created", "2026-11-24", 10);
      const ids = byCreation.map((r) => r.id);
      assert.ok(ids.indexOf("c12") < ids.indexOf("c11"), "newest first");
      assert.equal(byCreation.find((r) => r.id === "c12")?.hits, 1);
    });

    it("set, reset and delete; each change raises the revision; a deleted counter's late batch leaves nothing", async () => {
      const { store } = await open();
      const revision = async () => (await store.totals([{ id: "c5", day: "2026-11-24" }])).get("c5")?.revision;
      await store.createCounter(counter("c5"));
      await apply(store, batch([["c5", delta("2026-11-24T10", 3, ["a"])]]));
      assert.equal(await revision(), 0, "counting is not a change");
      await store.updateCounter("c5", { public: true });
      assert.equal(await revision(), 1);
      await store.setHits("c5", 12345);
      assert.equal((await store.getCounter("c5"))?.hits, 12345);
      assert.equal(await revision(), 2);
      await store.resetCounter("c5");
      assert.equal((await store.getCounter("c5"))?.hits, 0);
      assert.equal((await store.getCounter("c5"))?.revision, 3);
      assert.deepEqual(await store.daily("c5", "2026-01-01", "2026-12-31"), []);
      await store.deleteCounter("c5");
      assert.equal(await store.getCounter("c5"), undefined);
      assert.equal(await revision(), undefined, "a deleted counter is missing from totals");
      const late = await apply(store, batch([["c5", delta("2026-11-24T10", 1, ["a"])]]));
      assert.equal(late.get("c5"), undefined);
      assert.equal(await store.getCounter("c5"), undefined);
    });

    it("salts are stable per day and forgotten with older visitor hashes", async () => {
      const { store } = await open();
      const s1 = await store.salt("2026-11-24");
      assert.equal(s1.length, 32);
      assert.deepEqual(await store.salt("2026-11-24"), s1);
      assert.notDeepEqual(await store.salt("2026-11-25"), s1);
      await store.createCounter(counter("c6"));
      await apply(store, batch([["c6", delta("2026-11-24T10", 1, ["v"])]]));
      await store.forgetBefore("2026-11-25");
      assert.notDeepEqual(await store.salt("2026-11-24"), s1, "a forgotten salt is never handed out again");
      // Figures stay; only the means to link visitors is gone.
      assert.equal((await store.getCounter("c6"))?.visitors, 1);
    });

    it("milestones: each one a fold's hits cross is recorded once, then claimed, attempted and listed", async () => {
      const { store } = await open();
      await store.createCounter(counter("c8", { hits: 8 }));
      assert.equal(await store.getMilestones("c8"), undefined);
      const m = { url: "https://example.com/hook", at: [10, 12], every: 100, secret: "s3cret" };
      await store.setMilestones("c8", m);
      assert.deepEqual(await store.getMilestones("c8"), m);
      const fold = () => store.daily("c8", "2026-11-24", "2026-11-24"); // stats reads fold first
      await apply(store, batch([["c8", delta("2026-11-24T10", 3, ["a"])]])); // 8 -> 11: 10
      await fold();
      await apply(store, batch([["c8", delta("2026-11-24T10", 1, ["a"])]])); // 11 -> 12: 12
      await apply(store, batch([["c8", delta("2026-11-24T10", 1, ["a"])]])); // 12 -> 13: none
      await fold();
      const due = (await store.dueDeliveries(Date.now(), 60_000, 10)).sort((a, b) => a.milestone - b.milestone);
      assert.deepEqual(
        due.map((d) => [d.counterId, d.milestone, d.hits, d.attempts, d.status]),
        [
          ["c8", 10, 11, 0, "pending"],
          ["c8", 12, 13, 0, "pending"],
        ],
      );
      if (store.capabilities.sharedByNodes) {
        assert.deepEqual(await store.dueDeliveries(Date.now(), 60_000, 10), [], "leased to the node that claimed them");
      }
      const [first, second] = due as [(typeof due)[0], (typeof due)[0]];
      await store.deliveryAttempted(first.id, "delivered", null, 0);
      await store.deliveryAttempted(second.id, "pending", "the receiver answered 500", Date.now() - 1);
      const again = await store.dueDeliveries(Date.now(), 60_000, 10);
      assert.deepEqual(
        again.map((d) => [d.id, d.attempts, d.lastError]),
        [[second.id, 1, "the receiver answered 500"]],
      );
      const listed = await store.deliveries("c8", 10);
      assert.deepEqual(listed.map((d) => [d.milestone, d.status]).sort(), [
        [10, "delivered"],
        [12, "pending"],
      ]);
      await store.setMilestones("c8", undefined);
      assert.equal(await store.getMilestones("c8"), undefined);
      await store.deleteCounter("c8");
      assert.deepEqual(await store.deliveries("c8", 10), []);
    });

    it("an import goes straight to the rollups under the caps, once per key; a reset allows it again", async () => {
      const { store } = await open();
      await store.createCounter(counter("c9"));
      await apply(store, batch([["c9", delta("2026-11-24T10", 2, ["a"])]]));
      const imported = () => ({
        hits: 10,
        days: new Map([
          ["2025-01-01", 6],
          ["2026-11-24", 4],
        ]),
        hours: new Map([
          ["2025-01-01T08", 6],
          ["2026-11-24T09", 4],
        ]),
        dims: new Map([
          ["2025-01-01\u0000page\u0000/a", 3],
          ["2025-01-01\u0000page\u0000/b", 1],
          ["2025-01-01\u0000page\u0000/c", 1],
          ["2025-01-01\u0000page\u0000/d", 1],
          ["2026-11-24\u0000page\u0000/a", 4],
        ]),
        visitors: new Map<string, string>(),
        visitorCounts: new Map([
          ["2025-01-01T08", 3],
          ["2026-11-24T09", 2],
        ]),
      });
      const revision = (await store.getCounter("c9"))?.revision ?? 0;
      assert.equal(await store.importRollups("c9", "file-1", imported()), true);
      assert.equal(await store.importRollups("c9", "file-1", imported()), false, "the same key twice");
      const row = await store.getCounter("c9");
      assert.deepEqual([row?.hits, row?.visitors], [12, 6]);
      assert.ok((row?.revision ?? 0) > revision);
      assert.deepEqual(await store.daily("c9", "2025-01-01", "2026-11-24"), [
        { bucket: "2025-01-01", hits: 6, visitors: 3 },
        { bucket: "2026-11-24", hits: 6, visitors: 3 },
      ]);
      assert.deepEqual(await store.getDay("c9", "2026-11-24"), { day: "2026-11-24", hits: 6, visitors: 3 });
      assert.deepEqual(await store.breakdown("c9", "page", "2025-01-01", "2025-01-01", 10), [
        { value: "/a", hits: 3 },
        { value: OTHER, hits: 1 },
        { value: "/b", hits: 1 },
        { value: "/c", hits: 1 },
      ]);
      await store.resetCounter("c9");
      assert.equal(await store.importRollups("c9", "file-1", imported()), true, "a reset clears the import's record");
      assert.equal((await store.getCounter("c9"))?.hits, 10);
    });

    it("committed batches survive closing and reopening", async () => {
      const o = await open();
      await o.store.createCounter(counter("c7"));
      await apply(o.store, batch([["c7", delta("2026-11-24T10", 7, ["a", "b"])]]));
      await o.store.close();
      const again = await (o.reopen as () => Promise<Store>)();
      opened.push({ store: again, cleanup: async () => {} });
      const row = await again.getCounter("c7");
      assert.equal(row?.hits, 7);
      assert.equal(row?.visitors, 2);
      // A visitor seen before the restart is not new after it.
      const t = await apply(again, batch([["c7", delta("2026-11-24T12", 1, ["a"])]]));
      assert.equal(t.get("c7")?.visitors, 2);
    });
  });
}
