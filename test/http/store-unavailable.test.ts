// The same store failure answers the same on both stores: 503 "unavailable", never a 500.
// SQLite: the database file is gone when the stats reads' worker opens it. PostgreSQL: the
// connection to the database is cut.

import assert from "node:assert/strict";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { type App, buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { openPostgres } from "../../src/store/postgres/index.js";
import { openSqlite } from "../../src/store/sqlite/index.js";
import type { Store } from "../../src/store/store.js";
import { dropSchema, freshSchema, PG_URL } from "../helpers/postgres.js";
import { authed, createCounter, tempDir } from "../helpers/server.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";

async function serve(store: Store, env: Record<string, string>): Promise<{ app: App; url: string }> {
  const app = await buildApp(loadConfig([], env), store, { logger: false });
  await app.http.listen({ port: 0, host: "127.0.0.1" });
  const addr = app.http.server.address();
  return { app, url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}` };
}

async function statsAnswer(url: string, id: string, token: string) {
  const r = await fetch(`${url}/api/counters/${id}/stats`, authed(token));
  return { status: r.status, code: ((await r.json()) as { error?: { code: string } }).error?.code };
}

it("a failed stats read is 503 unavailable on SQLite and on PostgreSQL alike", async () => {
  const answers: Record<string, { status: number; code: string | undefined }> = {};

  const dataDir = tempDir();
  const sqlite = await serve(openSqlite({ dataDir }), { HITCOUNTER_DATA: dataDir });
  const a = await createCounter(sqlite.url);
  const db = join(dataDir, "hitcounter.db");
  renameSync(db, `${db}.away`);
  try {
    answers.sqlite = await statsAnswer(sqlite.url, a.id, a.token);
  } finally {
    renameSync(`${db}.away`, db);
    await sqlite.app.http.close();
  }

  const proxy = await startTcpProxy(5432);
  const schema = freshSchema();
  const pgUrl = PG_URL.replace(":5432", `:${proxy.port}`);
  const postgres = await serve(await openPostgres({ url: pgUrl, schema }), {
    DATABASE_URL: pgUrl,
    DATABASE_SCHEMA: schema,
  });
  try {
    const b = await createCounter(postgres.url);
    await proxy.cut();
    answers.postgres = await statsAnswer(postgres.url, b.id, b.token);
  } finally {
    await proxy.restore();
    await postgres.app.http.close();
    await proxy.close();
    await dropSchema(schema);
  }

  assert.deepEqual(answers, {
    sqlite: { status: 503, code: "unavailable" },
    postgres: { status: 503, code: "unavailable" },
  });
});
