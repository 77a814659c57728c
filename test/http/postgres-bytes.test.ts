// Over the real server on the real PostgreSQL: bytes no store can keep don't fail anyone's
// batch, and a reset returns promptly while hits keep coming.

import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { type App, buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { openPostgres } from "../../src/store/postgres/index.js";
import { dropSchema, freshSchema, PG_URL } from "../helpers/postgres.js";
import { authed, BROWSER_UA, createCounter, figures, hit } from "../helpers/server.js";

const schema = freshSchema();
let app: App;
let url = "";
before(async () => {
  const store = await openPostgres({ url: PG_URL, schema });
  app = await buildApp(loadConfig([], { TRUST_PROXY: "1", DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema }), store, {
    logger: false,
  });
  await app.http.listen({ port: 0, host: "127.0.0.1" });
  const addr = app.http.server.address();
  url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});
after(async () => {
  await app.http.close();
  await dropSchema(schema);
});

it("hits with NUL and other controls in path and referrer, beside normal hits: every normal hit is counted", async () => {
  const junk = await createCounter(url);
  const plain = await createCounter(url);
  const nasty = (i: number) =>
    fetch(`${url}/api/hit`, {
      method: "POST",
      headers: { "content-type": "text/plain", "user-agent": BROWSER_UA, "x-forwarded-for": `192.0.2.${i}` },
      body: JSON.stringify({
        counter: junk.id,
        path: `/a\u0000b\u0001\uffff\ud800${i}`,
        referrer: `https://ref.example/\u0000x${i}`,
      }),
    });
  const normal = (i: number) => hit(url, plain.id, "svg", { ip: `198.51.100.${i}` });
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => [nasty(i), normal(i)]).flat());
  for (const r of answers) {
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-hit-counted"), "1", `${r.url}: ${r.headers.get("x-hit-reason")}`);
    await r.arrayBuffer();
  }
  assert.equal((await figures(url, plain.id)).hits, 100);
  assert.equal((await figures(url, junk.id)).hits, 100);
  const b = (await (
    await fetch(`${url}/api/counters/${junk.id}/breakdowns?dim=pages&limit=1`, authed(junk.token))
  ).json()) as {
    pages: { value: string }[];
  };
  assert.match(b.pages[0]?.value ?? "", /^\/ab\ufffd\d+$/, "stored without the controls");
});

it("a reset under steady load returns in under 2 s", async () => {
  const c = await createCounter(url);
  let stop = false;
  let sent = 0;
  const load = async (w: number) => {
    while (!stop) {
      const r = await hit(url, c.id, "svg", { ip: `203.0.113.${(sent++ % 200) + 1}`, ua: `${BROWSER_UA} ${w}` });
      await r.arrayBuffer();
    }
  };
  const workers = Array.from({ length: 10 }, (_, w) => load(w));
  await new Promise((r) => setTimeout(r, 700));
  const started = Date.now();
  const r = await fetch(`${url}/api/counters/${c.id}/reset`, { method: "POST", ...authed(c.token) });
  const took = Date.now() - started;
  stop = true;
  await Promise.all(workers);
  assert.equal(r.status, 200);
  assert.ok(took < 2000, `reset took ${took} ms under load`);
  assert.ok(sent > 100, `load kept coming: ${sent} hits`);
});
