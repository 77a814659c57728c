// Breakdown caps an attacker can't use up: a day of junk pages (past the 10,000-value cap)
// doesn't push the next day's real page into "(other)", and the owner can delete a value.

import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { authed, createCounter, hit, type Running, startApp } from "../helpers/server.js";

let s: Running;
let now = Date.parse("2026-11-10T08:00:00Z");
before(async () => {
  s = await startApp({}, { now: () => now });
});
after(() => s.close());

interface Row {
  value: string;
  hits: number;
}

async function pages(id: string, token: string, day: string): Promise<Row[]> {
  const r = await fetch(
    `${s.url}/api/counters/${id}/breakdowns?dim=pages&from=${day}&to=${day}&limit=20`,
    authed(token),
  );
  assert.equal(r.status, 200);
  return ((await r.json()) as { pages: Row[] }).pages;
}

it("a day of junk pages fills only that day: the next day's real page is its own; the owner deletes junk", async () => {
  const c = await createCounter(s.url);
  // 10,050 distinct junk pages, from many addresses so no rate applies.
  let next = 0;
  const worker = async () => {
    while (next < 10_050) {
      const i = next++;
      const r = await hit(s.url, c.id, "svg", {
        ip: `198.18.${i >> 8}.${i & 255}`,
        referer: `https://blog.example/junk-${i}`,
      });
      await r.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 25 }, worker));
  for (let i = 0; i < 3; i++)
    await hit(s.url, c.id, "svg", { ip: `192.0.2.${i}`, referer: "https://blog.example/real" });
  const junkDay = await pages(c.id, c.token, "2026-11-10");
  assert.equal(junkDay[0]?.value, "(other)", "past the cap on the junk day");
  assert.ok(!junkDay.some((r) => r.value === "/real"));

  now += 24 * 3_600_000;
  await s.app.salts.rotate(); // the new day's salt, as the server's timer would load it
  for (let i = 0; i < 3; i++)
    await hit(s.url, c.id, "svg", { ip: `192.0.2.${i}`, referer: "https://blog.example/real" });
  await hit(s.url, c.id, "svg", { ip: "192.0.2.9", referer: "https://blog.example/junk-7" });
  assert.deepEqual(await pages(c.id, c.token, "2026-11-11"), [
    { value: "/real", hits: 3, share: 0.75 },
    { value: "/junk-7", hits: 1, share: 0.25 },
  ]);

  const del = await fetch(`${s.url}/api/counters/${c.id}/breakdowns?dim=pages&value=${encodeURIComponent("/junk-7")}`, {
    method: "DELETE",
    ...authed(c.token),
  });
  assert.equal(del.status, 204);
  assert.deepEqual(
    (await pages(c.id, c.token, "2026-11-11")).map((r) => r.value),
    ["/real"],
  );
  const bad = await fetch(`${s.url}/api/counters/${c.id}/breakdowns?dim=colours&value=x`, {
    method: "DELETE",
    ...authed(c.token),
  });
  assert.equal(bad.status, 400);
  const stranger = await fetch(`${s.url}/api/counters/${c.id}/breakdowns?dim=pages&value=/real`, { method: "DELETE" });
  assert.equal(stranger.status, 401);
});
