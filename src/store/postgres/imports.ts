// Imports on PostgreSQL (imports/): an import's figures go straight into the rollups, with the
// breakdown caps, in one transaction with the record of its key, under the counter's row lock
// (which the fold takes too, so the two never admit breakdown values past the cap together).

import type pg from "pg";
import type { Store } from "../store.js";
import type { Connection } from "./connection.js";
import { BUMP } from "./rollup-generation.js";
import { writeRollups } from "./rollup-writer.js";

export function importMethod(db: Connection, cap: number): Store["importRollups"] {
  return (id, key, delta) =>
    db.transaction(async (c: pg.PoolClient) => {
      const q = async <T extends pg.QueryResultRow>(sql: string, params: unknown[]) => {
        db.statements++;
        return (await c.query<T>(sql, params)).rows;
      };
      await q("SELECT id FROM counters WHERE id = $1 FOR UPDATE", [id]);
      const fresh = await q(
        "INSERT INTO imports (counter_id, key, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key",
        [id, key, Date.now()],
      );
      // Imported before: nothing was written, so committing the empty transaction is harmless.
      if (fresh.length === 0) return false;
      await writeRollups(q, new Map([[id, delta]]), cap);
      await q("UPDATE counters SET revision = revision + 1 WHERE id = $1", [id]);
      await q(BUMP, []);
      return true;
    });
}
