// The PostgreSQL store's answer to a lost COMMIT answer: the batch is retried under the same id
// until the database says whether it landed, so it is counted exactly once either way.

import assert from "node:assert/strict";
import { after, it } from "node:test";
import { DEFAULT_SETTINGS } from "../../src/counters/settings.js";
import { openPostgres } from "../../src/store/postgres/index.js";
import { batchOf } from "../helpers/batch.js";
import { dropSchema, freshSchema, PG_URL } from "../helpers/postgres.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";

const schema = freshSchema();
after(() => dropSchema(schema));

it("a batch whose COMMIT answer was lost is counted once, and answered as counted", async () => {
  const proxy = await startTcpProxy(5432);
  const warnings: string[] = [];
  const store = await openPostgres({
    url: PG_URL.replace("127.0.0.1:5432", `127.0.0.1:${proxy.port}`),
    schema,
    onWarning: (m) => warnings.push(m),
  });
  try {
    await store.createCounter({
      id: "doubt1",
      ...DEFAULT_SETTINGS,
      tokenHash: "x",
      label: "l",
      createdAt: 0,
      hits: 0,
      visitors: 0,
      revision: 0,
      blocked: false,
    });
    const batch = batchOf([
      { counter: "doubt1", hour: "2026-11-24T08", hits: 5, dims: [["page", "/", 5]], visitors: ["v1"] },
    ]);
    proxy.loseNextCommitAnswer();
    const totals = await store.applyBatch(batch);
    assert.equal(proxy.commitAnswersLost, 1, "the COMMIT answer was really lost");
    assert.ok(
      warnings.some((w) => w.includes("COMMIT answer lost")),
      warnings.join("\n"),
    );
    assert.equal(totals.get("doubt1")?.hits, 5);
    const row = await store.getCounter("doubt1");
    assert.equal(row?.hits, 5, "counted once, not twice");
    assert.equal(row?.visitors, 1);
    assert.deepEqual(await store.getDay("doubt1", "2026-11-24"), { day: "2026-11-24", hits: 5, visitors: 1 });
  } finally {
    await store.close();
    await proxy.close();
  }
});
