// The live counter with two nodes on the real PostgreSQL, at the default REFRESH_MS: a hit
// counted on node A reaches a stream on node B within 1.5 s, and "online" counts a visitor seen
// on both nodes once.

import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { type App, buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { openPostgres } from "../../src/store/postgres/index.js";
import { dropSchema, freshSchema, PG_URL } from "../helpers/postgres.js";
import { createCounter, hit } from "../helpers/server.js";
import { figuresOf, openSse } from "../helpers/sse.js";

const schema = freshSchema();
const nodes: { app: App; url: string }[] = [];

before(async () => {
  for (let i = 0; i < 2; i++) {
    const env = { TRUST_PROXY: "1", DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema };
    const store = await openPostgres({ url: PG_URL, schema });
    const app = await buildApp(loadConfig([], env), store, { logger: false });
    await app.http.listen({ port: 0, host: "127.0.0.1" });
    const addr = app.http.server.address();
    nodes.push({ app, url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}` });
  }
});
after(async () => {
  for (const n of nodes) await n.app.http.close();
  await dropSchema(schema);
});

const [a, b] = [() => nodes[0] as { url: string }, () => nodes[1] as { url: string }];

it("a hit counted on node A reaches a live stream on node B within 1.5 s", async () => {
  const c = await createCounter(a().url);
  const stream = await openSse(`${b().url}/c/${c.id}/live`);
  try {
    assert.equal(figuresOf(await stream.next(() => true, 2000)).hits, 0);
    for (let i = 1; i <= 3; i++) {
      const sent = Date.now();
      const r = await hit(a().url, c.id, "svg", { ip: `203.0.113.${i}` });
      assert.equal(r.headers.get("x-hit-counted"), "1");
      const e = await stream.next((x) => figuresOf(x).hits === i, 1500);
      assert.ok(e.at - sent <= 1500, `hit ${i} arrived after ${e.at - sent} ms`);
    }
  } finally {
    stream.close();
  }
});

it("online counts a visitor seen on both nodes once, on either node", async () => {
  const c = await createCounter(a().url);
  // Visitor 1 on both nodes, visitor 2 on A only, visitor 3 on B only: three online.
  await hit(a().url, c.id, "svg", { ip: "198.51.100.1" });
  await hit(b().url, c.id, "svg", { ip: "198.51.100.1" });
  await hit(a().url, c.id, "svg", { ip: "198.51.100.2" });
  await hit(b().url, c.id, "svg", { ip: "198.51.100.3" });
  const online = async (url: string) =>
    ((await (await fetch(`${url}/c/${c.id}.json?count=false`)).json()) as { online: number }).online;
  // Each node knows two of them itself; the count over both arrives within a few REFRESH_MS.
  const deadline = Date.now() + 5000;
  let seen: number[] = [];
  while (Date.now() < deadline) {
    seen = [await online(a().url), await online(b().url)];
    if (seen[0] === 3 && seen[1] === 3) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(seen, [3, 3]);
  // And it stays 3: the visitor seen on both nodes is never counted twice.
  await new Promise((r) => setTimeout(r, 2500));
  assert.deepEqual([await online(a().url), await online(b().url)], [3, 3]);
});
