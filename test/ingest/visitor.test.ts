// Visitors across midnight: the salt changes with the day, so the same person is a new visitor
// the next day and can't be linked to the day before; old salts leave the store. And the hash
// itself, which must not change between versions: today's visitors are matched by it.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { it } from "node:test";
import Database from "better-sqlite3";
import { VisitorHasher } from "../../src/ingest/visitor.js";
import { openSqlite } from "../../src/store/sqlite/index.js";
import { createCounter, figures, hit, startApp, tempDir } from "../helpers/server.js";

it("a new day brings a new salt; a visitor counts once per day; old salts are deleted", async () => {
  let now = Date.parse("2026-11-24T10:00:00Z");
  const s = await startApp({}, { now: () => now });
  try {
    const c = await createCounter(s.url);
    const v = { ip: "192.0.2.10" };
    await hit(s.url, c.id, "svg", v);
    await hit(s.url, c.id, "svg", v);
    assert.deepEqual((await figures(s.url, c.id)).today, { hits: 2, visitors: 1 });

    now = Date.parse("2026-11-25T13:00:00Z"); // the 24th has ended in every time zone by now
    await s.app.salts.rotate();
    await hit(s.url, c.id, "svg", v);
    const f = await figures(s.url, c.id);
    assert.deepEqual(f.today, { hits: 1, visitors: 1 }, "the same person is a new visitor today");
    assert.equal(f.visitors, 2, "all-time visitors sum the daily uniques");
    now = Date.parse("2026-11-26T13:00:00Z");
    await s.app.salts.rotate();
    await s.app.committer.flush();

    const db = new Database(`${s.dataDir}/hitcounter.db`, { readonly: true });
    const days = db.prepare("SELECT day FROM salts ORDER BY day").pluck().all() as string[];
    assert.ok(!days.includes("2026-11-24"), `salts kept: ${days.join(", ")}`);
    assert.ok(!days.includes("2026-11-25"), `salts kept: ${days.join(", ")}`);
    db.close();
  } finally {
    await s.close();
  }
});

it("a visitor's hash is SHA-256 of the day's salt then counter, address and user-agent, however long", async () => {
  const now = Date.parse("2026-11-24T13:00:00Z");
  const store = openSqlite({ dataDir: tempDir() });
  try {
    const salts = new VisitorHasher(store, () => now);
    await salts.rotate();
    const expected = (day: string, text: string) =>
      store.salt(day).then((salt) => createHash("sha256").update(salt).update(text).digest("base64url").slice(0, 22));
    const ua = "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 — ünïcode";
    for (const [day, id, ip, agent] of [
      ["2026-11-24", "c1", "192.0.2.1", ua],
      ["2026-11-25", "c1", "192.0.2.1", ua],
      ["2026-11-24", "c2", "2001:db8::1", "x"],
      ["2026-11-24", "c1", "192.0.2.1", ua], // after a shorter text, no stale bytes count
      ["2026-11-24", "c1", "192.0.2.1", "é".repeat(40_000)], // past the buffer kept for it
    ] as const) {
      assert.equal(salts.hash(day, id, ip, agent), await expected(day, `${id}\u0000${ip}\u0000${agent}`));
    }
    assert.notEqual(salts.hash("2026-11-24", "c1", "192.0.2.1", ua), salts.hash("2026-11-25", "c1", "192.0.2.1", ua));
  } finally {
    await store.close();
  }
});
