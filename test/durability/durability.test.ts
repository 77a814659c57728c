// The promise behind X-Hit-Counted: 1 — exact counts across restart, SIGTERM and kill -9,
// with the real server as a child process on a real SQLite file.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hammer } from "../helpers/load.js";
import { createCounter, figures, freePort, hit, spawnServer, tempDir } from "../helpers/server.js";

const env = (dataDir: string) => ({ HITCOUNTER_DATA: dataDir, TRUST_PROXY: "1", LOG_LEVEL: "warn" });

describe("durability", () => {
  it("counts survive a restart", async () => {
    const data = tempDir();
    const a = await spawnServer(env(data), freePort());
    const c = await createCounter(a.url);
    for (let i = 0; i < 10; i++) assert.equal((await hit(a.url, c.id)).headers.get("x-hit-counted"), "1");
    assert.equal((await figures(a.url, c.id)).hits, 10);
    a.proc.kill("SIGTERM");
    assert.equal(await a.exited, 0);
    const b = await spawnServer(env(data), freePort());
    assert.equal((await figures(b.url, c.id)).hits, 10);
    assert.equal((await figures(b.url, c.id)).visitors, 1);
    b.proc.kill("SIGKILL");
    await b.exited;
  });

  it("without a kill, the stored total equals the answers that said counted, exactly", async () => {
    const data = tempDir();
    const a = await spawnServer(env(data), freePort());
    const ids = [(await createCounter(a.url)).id, (await createCounter(a.url)).id];
    const t = await hammer(a.url, ids, { workers: 50, total: 3000 });
    assert.equal(t.errors + t.noResponse + t.notCounted + t.closing, 0);
    const total = (await figures(a.url, ids[0] as string)).hits + (await figures(a.url, ids[1] as string)).hits;
    assert.equal(total, t.counted);
    assert.equal(t.counted, 3000);
    a.proc.kill("SIGKILL");
    await a.exited;
  });

  it("SIGTERM finishes in-flight requests, flushes and exits 0", async () => {
    const data = tempDir();
    const a = await spawnServer(env(data), freePort());
    const c = await createCounter(a.url);
    let signalled = false;
    const load = hammer(a.url, [c.id], {
      workers: 30,
      total: 100_000,
      stop: () => signalled && a.proc.exitCode !== null,
      onAnswer: (t) => {
        if (!signalled && t.counted >= 500) {
          signalled = true;
          a.proc.kill("SIGTERM");
        }
      },
    });
    const code = await a.exited;
    const t = await load;
    assert.equal(code, 0, a.output());
    assert.equal(t.errors, 0, "only 200s, or 503 once closing");
    const b = await spawnServer(env(data), freePort());
    const stored = (await figures(b.url, c.id)).hits;
    // 503s while closing count as not counted; every "counted" answer is stored, nothing more
    assert.equal(stored, t.counted, `stored ${stored}, counted answers ${t.counted}`);
    b.proc.kill("SIGKILL");
    await b.exited;
  });

  it("kill -9 under load loses no counted hit and counts none twice", async () => {
    const data = tempDir();
    const a = await spawnServer(env(data), freePort());
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await createCounter(a.url)).id);
    let killed = false;
    const load = hammer(a.url, ids, {
      workers: 64,
      total: 200_000,
      stop: () => killed,
      onAnswer: (t) => {
        if (!killed && t.counted >= 2000) {
          killed = true;
          a.proc.kill("SIGKILL");
        }
      },
    });
    const t = await load;
    await a.exited;
    const b = await spawnServer(env(data), freePort());
    let stored = 0;
    for (const id of ids) stored += (await figures(b.url, id)).hits;
    assert.ok(t.counted >= 2000);
    assert.ok(stored >= t.counted, `lost hits: stored ${stored} < counted answers ${t.counted}`);
    assert.ok(stored <= t.counted + t.noResponse, `stored ${stored} > counted ${t.counted} + cut off ${t.noResponse}`);
    b.proc.kill("SIGKILL");
    await b.exited;
  });
});
