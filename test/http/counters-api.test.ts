// The management API and the bad-input answers: every refusal is a 4xx with a coded message.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authed, createCounter, figures, hit, type Running, startApp } from "../helpers/server.js";

let s: Running;
before(async () => {
  s = await startApp();
});
after(() => s.close());

async function post(path: string, body: string, type = "application/json") {
  return fetch(`${s.url}${path}`, { method: "POST", headers: { "content-type": type }, body });
}

describe("counters API", () => {
  it("creates a counter with an unguessable id, a one-time token and snippets", async () => {
    const r = await post(
      "/api/counters",
      JSON.stringify({ label: "visitors", origins: ["example.com"], start: 1000, public: true }),
    );
    assert.equal(r.status, 201);
    const c = await r.json();
    assert.match(c.id, /^[A-Za-z0-9_-]{12}$/);
    assert.ok(c.token.length >= 43);
    for (const k of ["badge", "markdown", "digits", "png", "pixel", "json", "script"]) assert.ok(c.embeds[k], k);
    assert.ok(c.embeds.badge.includes(`/c/${c.id}.svg`));
    assert.ok(c.embeds.script.includes(`data-counter="${c.id}"`));
    const info = await (await fetch(`${s.url}/api/counters/${c.id}`, authed(c.token))).json();
    assert.equal(info.hits, 1000);
    assert.equal(info.label, "visitors");
    assert.deepEqual(info.origins, ["example.com"]);
    assert.equal(info.public, true);
    assert.equal(info.token, undefined);
    assert.equal(info.tokenHash, undefined);
  });

  it("{} creates a counter with defaults; a create that is not JSON (a cross-site no-cors fetch or form) is 415", async () => {
    assert.equal((await post("/api/counters", "{}")).status, 201);
    // What a page on another site can send without a preflight: no body, or a "simple" type.
    const bodiless = await fetch(`${s.url}/api/counters`, { method: "POST" });
    assert.equal(bodiless.status, 415);
    assert.match((await bodiless.json()).error.message, /application\/json/);
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const r = await post("/api/counters", "{}", type);
      assert.equal(r.status, 415, type);
    }
  });

  it("needs the counter's own token", async () => {
    const a = await createCounter(s.url);
    const b = await createCounter(s.url);
    assert.equal((await fetch(`${s.url}/api/counters/${a.id}`)).status, 401);
    assert.equal((await fetch(`${s.url}/api/counters/${a.id}`, authed("nope"))).status, 401);
    assert.equal((await fetch(`${s.url}/api/counters/${a.id}`, authed(b.token))).status, 401);
    const del = await fetch(`${s.url}/api/counters/${a.id}`, { method: "DELETE", ...authed(b.token) });
    assert.equal(del.status, 401);
    // An unknown id answers exactly as a wrong token does, so ids can't be told apart.
    const unknown = await fetch(`${s.url}/api/counters/nosuchcounter`, authed(a.token));
    const wrong = await fetch(`${s.url}/api/counters/${a.id}`, authed(b.token));
    assert.equal(unknown.status, 401);
    assert.deepEqual(await unknown.json(), await wrong.json());
    const unknownStats = await fetch(`${s.url}/api/counters/nosuchcounter/stats`, authed(a.token));
    assert.equal(unknownStats.status, 401);
  });

  it("rotating the token: the new one works, the old one stops working", async () => {
    const c = await createCounter(s.url);
    const r = await fetch(`${s.url}/api/counters/${c.id}/token`, { method: "POST", ...authed(c.token) });
    assert.equal(r.status, 200);
    const { token } = (await r.json()) as { token: string };
    assert.notEqual(token, c.token);
    assert.equal((await fetch(`${s.url}/api/counters/${c.id}`, authed(c.token))).status, 401);
    assert.equal((await fetch(`${s.url}/api/counters/${c.id}`, authed(token))).status, 200);
    // Only the owner rotates: the old token can't take the counter back.
    const again = await fetch(`${s.url}/api/counters/${c.id}/token`, { method: "POST", ...authed(c.token) });
    assert.equal(again.status, 401);
  });

  it("PATCH changes settings and sets the count", async () => {
    const c = await createCounter(s.url);
    await hit(s.url, c.id);
    const r = await fetch(`${s.url}/api/counters/${c.id}`, {
      method: "PATCH",
      ...authed(c.token, { label: "views", timeZone: "Asia/Kolkata", count: 5000, show: "visitors", public: true }),
    });
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.label, "views");
    assert.equal(body.timeZone, "Asia/Kolkata");
    assert.equal(body.hits, 5000);
    await hit(s.url, c.id);
    const f = await figures(s.url, c.id);
    assert.equal(f.hits, 5001);
    // show=visitors: the badge shows visitors, not hits. The same visitor is 1 or 2 of them: the
    // new time zone's day may be another than the one of the first hit (after 18:30 UTC).
    assert.ok(f.visitors === 1 || f.visitors === 2, String(f.visitors));
    assert.match(
      await (await hit(s.url, c.id, "svg", { query: "count=false" })).text(),
      new RegExp(`views: ${f.visitors}"`),
    );
  });

  it("reset clears counts; DELETE removes the counter", async () => {
    const c = await createCounter(s.url);
    await hit(s.url, c.id);
    const reset = await fetch(`${s.url}/api/counters/${c.id}/reset`, { method: "POST", ...authed(c.token) });
    assert.equal(reset.status, 200);
    assert.equal((await figures(s.url, c.id)).hits, 0);
    const del = await fetch(`${s.url}/api/counters/${c.id}`, { method: "DELETE", ...authed(c.token) });
    assert.equal(del.status, 204);
    assert.equal((await hit(s.url, c.id)).status, 404);
    assert.equal((await fetch(`${s.url}/api/counters/${c.id}`, authed(c.token))).status, 401);
  });
});

describe("bad input", () => {
  const cases: [string, string, number, RegExp][] = [
    ["malformed JSON", "{nope", 400, /JSON/i],
    ["label over 64", JSON.stringify({ label: "x".repeat(65) }), 400, /label/],
    ["unknown field", JSON.stringify({ colour: "red" }), 400, /additional/],
    ["wrong type", JSON.stringify({ public: "yes" }), 400, /public/],
    ["bad time zone", JSON.stringify({ timeZone: "Mars/Olympus" }), 400, /time zone/],
    ["bad origin", JSON.stringify({ origins: ["not a host"] }), 400, /origin/],
    ["negative start", JSON.stringify({ start: -1 }), 400, /start/],
    ["body over the limit", JSON.stringify({ label: "x".repeat(20_000) }), 413, /large/i],
  ];
  for (const [name, body, status, message] of cases) {
    it(`create: ${name} -> ${status}`, async () => {
      const r = await post("/api/counters", body);
      assert.equal(r.status, status);
      const e = await r.json();
      assert.ok(e.error.code);
      assert.match(e.error.message, message);
    });
  }

  const options: [string, RegExp][] = [
    ["color=notacolour", /color/],
    ["labelColor=%23ggg", /labelColor/],
    [`label=${"x".repeat(65)}`, /label/],
    ["digits=13&style=digits", /digits/],
    ["digits=0", /digits/],
    ["theme=neon&style=digits", /theme/],
    ["style=fancy", /style/],
    ["show=yesterday", /show/],
    ["count=maybe", /count/],
    ["bogus=1", /unknown option/],
    ["label=a&label=b", /more than once/],
  ];
  for (const [query, message] of options) {
    it(`embed option ${query.slice(0, 30)} -> 400`, async () => {
      const c = await createCounter(s.url);
      const r = await hit(s.url, c.id, "svg", { query });
      assert.equal(r.status, 400);
      assert.match((await r.json()).error.message, message);
      assert.equal((await figures(s.url, c.id)).hits, 0, "nothing counted");
    });
  }

  it("POST /api/hit refuses malformed reports", async () => {
    const c = await createCounter(s.url);
    for (const body of [
      "",
      "[]",
      "{",
      JSON.stringify({ counter: c.id, path: "no-slash" }),
      JSON.stringify({ counter: 5 }),
    ]) {
      const r = await post("/api/hit", body, "text/plain");
      assert.equal(r.status, 400, body);
      assert.ok((await r.json()).error.message);
    }
    assert.equal((await figures(s.url, c.id)).hits, 0);
  });

  it("unknown routes are a JSON 404", async () => {
    const r = await fetch(`${s.url}/nope`);
    assert.equal(r.status, 404);
    assert.equal((await r.json()).error.code, "not_found");
  });
});
