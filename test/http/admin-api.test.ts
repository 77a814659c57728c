// The operator's API over HTTP: off without ADMIN_TOKEN; with it, the list, block (embeds show
// without counting, the owner's calls answer 403), unblock and delete.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authed, createCounter, figures, hit, type Running, startApp } from "../helpers/server.js";

const ADMIN = "operator-secret-0123456789abcdef";
const admin = (init: RequestInit = {}, token = ADMIN): RequestInit => ({
  ...init,
  headers: { authorization: `Bearer ${token}` },
});

describe("admin API without ADMIN_TOKEN", () => {
  let s: Running;
  before(async () => {
    s = await startApp();
  });
  after(() => s.close());

  it("every admin route refuses, and nothing is done", async () => {
    const c = await createCounter(s.url);
    const calls: [string, string][] = [
      ["GET", "/api/admin/counters"],
      ["POST", `/api/admin/counters/${c.id}/block`],
      ["POST", `/api/admin/counters/${c.id}/unblock`],
      ["DELETE", `/api/admin/counters/${c.id}`],
    ];
    for (const [method, path] of calls) {
      // Even a guess at a token is no key when there is none.
      const r = await fetch(`${s.url}${path}`, admin({ method }));
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal((await r.json()).error.code, "admin_off");
    }
    assert.equal((await hit(s.url, c.id)).headers.get("x-hit-counted"), "1");
    assert.equal((await figures(s.url, c.id)).hits, 1);
  });
});

describe("admin API with ADMIN_TOKEN", () => {
  let s: Running;
  before(async () => {
    s = await startApp({ ADMIN_TOKEN: ADMIN });
  });
  after(() => s.close());

  it("refuses a wrong or missing token with 401", async () => {
    assert.equal((await fetch(`${s.url}/api/admin/counters`)).status, 401);
    assert.equal((await fetch(`${s.url}/api/admin/counters`, admin({}, `${ADMIN}x`))).status, 401);
  });

  it("lists counters by today's hits with the refused share by reason, or newest first", async () => {
    const busy = await createCounter(s.url);
    const quiet = await createCounter(s.url);
    for (let i = 0; i < 4; i++) await hit(s.url, busy.id, "svg", { ip: `192.0.2.${i + 1}` });
    await hit(s.url, busy.id, "svg", { ua: "Googlebot/2.1 (+http://www.google.com/bot.html)" });
    await hit(s.url, quiet.id);
    const r = await fetch(`${s.url}/api/admin/counters?sort=hits_today&limit=2`, admin());
    assert.equal(r.status, 200);
    const list = (await r.json()) as {
      counters: { id: string; hitsToday: number; seenToday: number; refused: Record<string, number> }[];
    };
    assert.equal(list.counters.length, 2);
    assert.equal(list.counters[0]?.id, busy.id);
    assert.equal(list.counters[0]?.hitsToday, 4);
    assert.equal(list.counters[0]?.seenToday, 5);
    assert.equal(list.counters[0]?.refused.bot, 0.2);
    const newest = (await (await fetch(`${s.url}/api/admin/counters?sort=created&limit=1`, admin())).json()) as {
      counters: { id: string }[];
    };
    assert.equal(newest.counters[0]?.id, quiet.id);
    assert.equal((await fetch(`${s.url}/api/admin/counters?sort=nope`, admin())).status, 400);
  });

  it("a blocked counter counts nothing and its owner gets 403; unblocked, it counts again", async () => {
    const c = await createCounter(s.url);
    await hit(s.url, c.id);
    const block = await fetch(`${s.url}/api/admin/counters/${c.id}/block`, admin({ method: "POST" }));
    assert.equal(block.status, 200);
    for (let i = 0; i < 3; i++) {
      const r = await hit(s.url, c.id);
      assert.equal(r.status, 200, "the picture is still shown");
      assert.equal(r.headers.get("x-hit-counted"), "0");
      assert.equal(r.headers.get("x-hit-reason"), "blocked");
    }
    assert.equal((await figures(s.url, c.id)).hits, 1);
    const owner = await fetch(`${s.url}/api/counters/${c.id}`, authed(c.token));
    assert.equal(owner.status, 403);
    assert.equal((await owner.json()).error.code, "blocked");
    const patch = await fetch(`${s.url}/api/counters/${c.id}`, { method: "PATCH", ...authed(c.token, { count: 9 }) });
    assert.equal(patch.status, 403);

    assert.equal((await fetch(`${s.url}/api/admin/counters/${c.id}/unblock`, admin({ method: "POST" }))).status, 200);
    assert.equal((await hit(s.url, c.id)).headers.get("x-hit-counted"), "1");
    assert.equal((await figures(s.url, c.id)).hits, 2);
    assert.equal((await fetch(`${s.url}/api/counters/${c.id}`, authed(c.token))).status, 200);
  });

  it("deletes a counter; unknown ids are 404", async () => {
    const c = await createCounter(s.url);
    await hit(s.url, c.id);
    assert.equal((await fetch(`${s.url}/api/admin/counters/${c.id}`, admin({ method: "DELETE" }))).status, 204);
    assert.equal((await hit(s.url, c.id)).status, 404);
    assert.equal(
      (await fetch(`${s.url}/api/admin/counters/nosuchcounter/block`, admin({ method: "POST" }))).status,
      404,
    );
  });
});
