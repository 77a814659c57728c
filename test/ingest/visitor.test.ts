// Visitors across midnight: the salt changes with the day, so the same person is a new visitor
// the next day and can't be linked to the day before; old salts leave the store.

import assert from "node:assert/strict";
import { it } from "node:test";
import Database from "better-sqlite3";
import { createCounter, figures, hit, startApp } from "../helpers/server.js";

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
