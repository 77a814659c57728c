// Many stateless nodes on one PostgreSQL: three real server processes share counters and
// visitors, and what they store equals exactly what their answers said was counted, also
// through a database outage in the middle of the load.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import pg from "pg";
import { hammer, type Tally } from "../helpers/load.js";
import { dropSchema, freshSchema, PG_URL } from "../helpers/postgres.js";
import { authed, type Child, createCounter, figures, freePort, hit, spawnServer } from "../helpers/server.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";

const nodeEnv = (url: string, schema: string) => ({
  DATABASE_URL: url,
  DATABASE_SCHEMA: schema,
  TRUST_PROXY: "1",
  LOG_LEVEL: "warn",
  HIT_RATE_PER_MINUTE: "1000000",
  REFRESH_MS: "200",
  FOLD_INTERVAL_MS: "1000",
});

/**
 * The counters' rollups once the fold leader (a running node) has folded every journal row:
 * what the database holds for good. Fails if the journal is not folded within 10 s.
 */
async function stored(schema: string): Promise<Map<string, { hits: number; visitors: number }>> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    const deadline = Date.now() + 10_000;
    while ((await c.query(`SELECT 1 FROM "${schema}".journal LIMIT 1`)).rowCount !== 0) {
      assert.ok(Date.now() < deadline, "the journal was folded within 10 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    const r = await c.query(`SELECT id, hits::int, visitors::int FROM "${schema}".counters`);
    return new Map(r.rows.map((x) => [x.id as string, { hits: x.hits as number, visitors: x.visitors as number }]));
  } finally {
    await c.end();
  }
}

/**
 * Stored equals counted exactly; where a node was killed, hits it committed whose answer died
 * with it (requests with no response, `unanswered`) may be stored too, and nothing more.
 */
function assertExact(t: Tally, rows: Map<string, { hits: number; visitors: number }>, unanswered = 0) {
  let extra = 0;
  for (const [id, want] of t.byCounter) {
    const got = rows.get(id);
    if (unanswered === 0) {
      assert.equal(got?.hits, want.counted, `hits of ${id}`);
      assert.equal(got?.visitors, want.visitors.size, `visitors of ${id}`);
      continue;
    }
    assert.ok((got?.hits ?? 0) >= want.counted, `hits of ${id}: ${got?.hits} stored, ${want.counted} counted`);
    assert.ok((got?.visitors ?? 0) >= want.visitors.size, `visitors of ${id}`);
    extra += (got?.hits ?? 0) - want.counted;
  }
  assert.ok(extra <= unanswered, `${extra} stored beyond the counted answers, ${unanswered} unanswered`);
}

/** Polls `check` until it holds; fails after `ms`. */
async function eventually(what: string, check: () => Promise<boolean>, ms = 5000): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

describe("many nodes on PostgreSQL", () => {
  const nodes: Child[] = [];
  const schemas: string[] = [];
  after(async () => {
    for (const n of nodes) if (n.proc.exitCode === null) n.proc.kill("SIGKILL");
    for (const s of schemas) await dropSchema(s);
  });

  it("three nodes: totals and visitors equal exactly the answers that said counted", async () => {
    const schema = freshSchema();
    schemas.push(schema);
    // Started together: migrations must cope with three nodes racing.
    const three = await Promise.all([0, 1, 2].map(() => spawnServer(nodeEnv(PG_URL, schema), freePort())));
    nodes.push(...three);
    const urls = three.map((n) => n.url);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await createCounter(urls[i % 3] as string)).id);

    const t = await hammer(urls, ids, { workers: 48, total: 6000, visitors: 300 });
    assert.equal(t.errors + t.noResponse + t.closing + t.notCounted, 0, JSON.stringify(t));
    assert.equal(t.counted, 6000);
    assertExact(t, await stored(schema));

    // Each node shows the hits the others counted within about a second.
    await new Promise((r) => setTimeout(r, 1000));
    for (const id of ids) {
      const want = t.byCounter.get(id)?.counted;
      for (const url of urls) assert.equal((await figures(url, id)).hits, want, `${url} shows ${id}`);
    }
    for (const n of three) {
      n.proc.kill("SIGTERM");
      assert.equal(await n.exited, 0);
    }
  });

  it("kill -9 of the fold leader mid-load: another node takes over, nothing lost, nothing twice", async (ctx) => {
    const schema = freshSchema();
    schemas.push(schema);
    const three = await Promise.all([0, 1, 2].map(() => spawnServer(nodeEnv(PG_URL, schema), freePort())));
    nodes.push(...three);
    const urls = three.map((n) => n.url);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createCounter(urls[i] as string)).id);
    const leaderOf = async () => {
      for (const [i, n] of three.entries()) {
        if (n.proc.exitCode !== null || n.proc.signalCode !== null) continue;
        const h = (await (await fetch(`${n.url}/healthz`)).json()) as { foldLeader?: boolean };
        if (h.foldLeader) return i;
      }
      return -1;
    };
    let leader = -1;
    await eventually("a node leads the fold", async () => {
      leader = await leaderOf();
      return leader >= 0;
    });
    let killedAt: number | undefined;
    const load = hammer(urls, ids, {
      workers: 24,
      total: 1_000_000,
      visitors: 200,
      stop: () => killedAt !== undefined && Date.now() - killedAt > 2500,
    });
    await new Promise((r) => setTimeout(r, 1500));
    three[leader]?.proc.kill("SIGKILL");
    killedAt = Date.now();
    const t = await load;
    const took = await eventually("another node leads the fold", async () => {
      const now = await leaderOf();
      return now >= 0 && now !== leader;
    });
    assert.equal(t.errors, 0, JSON.stringify({ ...t, byCounter: undefined }));
    assert.ok(t.counted > 500, `hits were counted (${t.counted})`);
    // The killed node's requests in flight got no answer; some of them may have committed.
    assertExact(t, await stored(schema), t.noResponse);
    ctx.diagnostic(
      `counted ${t.counted}, unanswered ${t.noResponse}; the new leader was seen ${took} ms after the first check`,
    );
    for (const [i, n] of three.entries()) {
      if (i === leader) continue;
      n.proc.kill("SIGTERM");
      assert.equal(await n.exited, 0);
    }
  });

  it("a change made on one node (settings, private, reset, delete) reaches the others within about a second", async (ctx) => {
    const schema = freshSchema();
    schemas.push(schema);
    const two = await Promise.all([0, 1].map(() => spawnServer(nodeEnv(PG_URL, schema), freePort())));
    nodes.push(...two);
    const [a, b] = two.map((n) => n.url) as [string, string];
    const c = await createCounter(a, { label: "before", public: true });
    for (let i = 0; i < 3; i++) await hit(b, c.id, "svg", { ip: `192.0.2.${i}` });
    assert.equal((await fetch(`${b}/api/counters/${c.id}/stats`)).status, 200, "public: B serves its stats");
    const took: Record<string, number> = {};

    const patch = await fetch(`${a}/api/counters/${c.id}`, {
      method: "PATCH",
      ...authed(c.token, { label: "after", public: false, origins: ["only.example"] }),
    });
    assert.equal(patch.status, 200);
    took.private = await eventually(
      "B refuses the now private stats",
      async () => (await fetch(`${b}/api/counters/${c.id}/stats`)).status === 401,
    );
    assert.match(await (await hit(b, c.id, "svg", { query: "count=false" })).text(), /after/);
    const elsewhere = await hit(b, c.id, "svg", { referer: "https://other.example/" });
    assert.equal(elsewhere.headers.get("x-hit-reason"), "origin", "B applies the new allowed origins");

    assert.equal((await fetch(`${a}/api/counters/${c.id}/reset`, { method: "POST", ...authed(c.token) })).status, 200);
    took.reset = await eventually("B shows the reset count", async () => (await figures(b, c.id)).hits === 0);

    assert.equal((await fetch(`${a}/api/counters/${c.id}`, { method: "DELETE", ...authed(c.token) })).status, 204);
    took.delete = await eventually(
      "B no longer serves the deleted counter",
      async () => (await hit(b, c.id, "svg", { query: "count=false" })).status === 404,
    );
    ctx.diagnostic(`seen on the other node after (ms): ${JSON.stringify(took)}`);
    for (const n of two) {
      n.proc.kill("SIGTERM");
      assert.equal(await n.exited, 0);
    }
  });

  it("a database outage under load: no node crashes, none lost, none twice", async (ctx) => {
    const schema = freshSchema();
    schemas.push(schema);
    const proxy = await startTcpProxy(5432);
    const url = PG_URL.replace("127.0.0.1:5432", `127.0.0.1:${proxy.port}`);
    const two = await Promise.all([0, 1].map(() => spawnServer(nodeEnv(url, schema), freePort())));
    nodes.push(...two);
    const urls = two.map((n) => n.url);
    const ids = [(await createCounter(urls[0] as string)).id, (await createCounter(urls[1] as string)).id];
    for (const id of ids) for (const u of urls) await figures(u, id); // every node knows every counter

    let phase: "before" | "down" | "after" = "before";
    let unavailable = 0;
    const load = hammer(urls, ids, {
      workers: 32,
      total: 1_000_000,
      visitors: 500,
      stop: () => phase === "after" && t0 !== undefined && Date.now() - t0 > 2000,
      onAnswer: (tally) => {
        unavailable = tally.notCounted;
      },
    });
    let t0: number | undefined;
    await new Promise((r) => setTimeout(r, 1500));
    phase = "down";
    await proxy.cut();
    await new Promise((r) => setTimeout(r, 3000));
    await proxy.restore();
    phase = "after";
    t0 = Date.now();
    const t = await load;

    for (const n of two) assert.equal(n.proc.exitCode, null, `a node exited:\n${n.output()}`);
    const inDoubt = two.filter((n) => n.output().includes("COMMIT answer lost")).length;
    ctx.diagnostic(`nodes that had a batch in doubt and resolved it: ${inDoubt}`);
    assert.equal(t.errors + t.noResponse, 0, JSON.stringify({ ...t, byCounter: undefined }));
    assert.ok(unavailable > 0, "the outage was felt: some hits were answered unavailable");
    assert.ok(t.counted > 1000, `hits were counted before and after the outage (${t.counted})`);
    // Read while the nodes still reach the database: the fold leader folds what is left.
    assertExact(t, await stored(schema));
    await proxy.close();
    ctx.diagnostic(`counted ${t.counted}, answered unavailable ${t.notCounted}`);
    for (const n of two) {
      n.proc.kill("SIGTERM");
      assert.equal(await n.exited, 0);
    }
  });
});
