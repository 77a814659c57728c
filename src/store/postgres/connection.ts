// The PostgreSQL connections of a node: a pool for commits and writes, a small pool of its own
// for stats reads (so slow stats can never take the connections that commit hits), session
// timeouts, the schema migrated once, and database errors sorted into "the database refused
// this" (thrown as they are) and "the database is away" (StoreUnavailable).

import pg from "pg";
import { unavailable } from "../errors.js";
import { migrate, quoteIdent } from "./migrations.js";

// int8 (counts) and numeric (sums) as JS numbers: counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);
pg.types.setTypeParser(pg.types.builtins.NUMERIC, Number);

/** An error the server reported (it has a SQLSTATE): the statement or transaction failed there. */
export const fromServer = (err: unknown): boolean =>
  /^[0-9A-Z]{5}$/.test(String((err as { code?: unknown }).code ?? ""));
/** Connection, resource and operator-intervention classes: the database is away, not wrong. */
export const outage = (err: unknown): boolean => /^(08|53|57)/.test(String((err as { code?: unknown }).code ?? ""));
export interface Connection {
  /** How the node's sessions connect (the fold's own connection uses it too). */
  settings: pg.ClientConfig;
  pool: pg.Pool;
  reads: pg.Pool;
  /** SQL statements sent so far (the bench's cost per hit). */
  statements: number;
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[], on?: pg.Pool): Promise<T[]>;
  transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T>;
}

/** Opens the pools and migrates `schema` (safe with many nodes starting at once). */
export async function connect(
  url: string,
  schema: string,
  warn: (message: string, err?: unknown) => void,
): Promise<Connection> {
  const settings: pg.PoolConfig = {
    connectionString: url,
    application_name: "hitcounter",
    // Fail fast when the database is away, so hits are answered "unavailable" promptly.
    connectionTimeoutMillis: 3_000,
    query_timeout: 10_000,
    statement_timeout: 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // A session never holds a transaction open for long, whatever goes wrong in the node.
    options: `-c search_path=${quoteIdent(schema)} -c idle_in_transaction_session_timeout=10000`,
  };
  const pool = new pg.Pool({ ...settings, max: 8 });
  // Stats reads have their own small pool, so slow stats can never take the connections that
  // commit hits.
  const reads = new pg.Pool({ ...settings, max: 2 });
  reads.on("error", (err) => warn("idle database connection failed", err));
  reads.on("connect", (client) => client.on("error", () => {}));
  // An idle connection that breaks (database restart) must not crash the process.
  pool.on("error", (err) => warn("idle database connection failed", err));
  // So must one that breaks while checked out between two queries: the query in progress, or
  // the next one, fails and is handled; the event itself only needs a listener.
  pool.on("connect", (client) => client.on("error", () => {}));

  const setup = await pool.connect();
  try {
    await migrate(setup, schema);
  } finally {
    setup.release();
  }

  const db: Connection = {
    settings,
    pool,
    reads,
    statements: 0,
    async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], on: pg.Pool = pool): Promise<T[]> {
      db.statements++;
      try {
        return (await on.query<T>(sql, params)).rows;
      } catch (err) {
        throw fromServer(err) && !outage(err) ? err : unavailable(err);
      }
    },
    async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw unavailable(err);
      }
      try {
        await client.query("BEGIN");
        const out = await fn(client);
        await client.query("COMMIT");
        client.release();
        return out;
      } catch (err) {
        client.release(err as Error); // destroys the connection, which rolls back what is open
        throw fromServer(err) && !outage(err) ? err : unavailable(err);
      }
    },
  };
  return db;
}
