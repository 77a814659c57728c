// The real PostgreSQL for tests (127.0.0.1:5432, database test, or TEST_DATABASE_URL). Every
// test gets its own schema, so runs and tests never see each other's rows.

import pg from "pg";

export const PG_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

let n = 0;
/** A schema name no other run uses; dropped by dropSchema. */
export function freshSchema(): string {
  n += 1;
  return `hc_test_${process.pid}_${Date.now().toString(36)}_${n}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}
