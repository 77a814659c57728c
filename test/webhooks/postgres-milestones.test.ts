// Milestone webhooks with two nodes on the real PostgreSQL: hits through both nodes, each
// milestone delivered exactly once (the fold leader records them, both nodes send, a claim's
// row locks keep them from sending one twice).

import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { type App, buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { openPostgres } from "../../src/store/postgres/index.js";
import { dropSchema, freshSchema, PG_URL } from "../helpers/postgres.js";
import { type Receiver, startReceiver, until } from "../helpers/receiver.js";
import { authed, createCounter, hit } from "../helpers/server.js";

const schema = freshSchema();
const nodes: { app: App; url: string }[] = [];
let rx: Receiver;

before(async () => {
  rx = await startReceiver();
  for (let i = 0; i < 2; i++) {
    const env = {
      TRUST_PROXY: "1",
      DATABASE_URL: PG_URL,
      DATABASE_SCHEMA: schema,
      WEBHOOK_ALLOW_PRIVATE: "1",
      FOLD_INTERVAL_MS: "500",
    };
    const store = await openPostgres({ url: PG_URL, schema, foldEveryMs: 500 });
    const app = await buildApp(loadConfig([], env), store, { logger: false });
    await app.http.listen({ port: 0, host: "127.0.0.1" });
    const addr = app.http.server.address();
    nodes.push({ app, url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}` });
  }
});
after(async () => {
  for (const n of nodes) await n.app.http.close();
  await rx.close();
  await dropSchema(schema);
});

it("hits through two nodes: every milestone is delivered once", async () => {
  const [a, b] = [nodes[0], nodes[1]] as [{ url: string }, { url: string }];
  const c = await createCounter(a.url);
  const r = await fetch(`${a.url}/api/counters/${c.id}`, {
    method: "PATCH",
    ...authed(c.token, { milestones: { url: rx.url, at: [7], every: 10 } }),
  });
  assert.equal(r.status, 200);
  const sends: Promise<Response>[] = [];
  for (let i = 0; i < 60; i++) {
    const node = i % 2 === 0 ? a : b;
    sends.push(hit(node.url, c.id, "svg", { ip: `198.51.100.${i}` }));
  }
  const counted = (await Promise.all(sends)).filter((x) => x.headers.get("x-hit-counted") === "1").length;
  assert.equal(counted, 60);
  const want = [7, 10, 20, 30, 40, 50, 60];
  await until("every milestone delivered", () => rx.got.length >= want.length, 15_000);
  await new Promise((res) => setTimeout(res, 2500)); // and none twice
  const got = rx.got.map((g) => JSON.parse(g.body).milestone as number).sort((x, y) => x - y);
  assert.deepEqual(got, want);
});
