// Picks the store from the configuration: PostgreSQL when DATABASE_URL is set, else the
// embedded SQLite file under HITCOUNTER_DATA.

import type { Config } from "../config.js";
import { openSqlite } from "./sqlite/index.js";
import type { Store } from "./store.js";

export async function openStore(
  config: Config,
  onWarning: (message: string, err?: unknown) => void = () => {},
): Promise<Store> {
  if (config.databaseUrl) {
    const { openPostgres } = await import("./postgres/index.js");
    return openPostgres({
      url: config.databaseUrl,
      schema: config.databaseSchema,
      foldEveryMs: config.foldIntervalMs,
      onWarning,
    });
  }
  return openSqlite({ dataDir: config.dataDir, sync: config.sqliteSync, onWarning });
}
