// Set-based statements for the SQLite store: one multi-row statement per table per batch
// instead of one statement per row, which is most of the cost of a commit. Prepared
// statements are cached per row count; large batches are cut into chunks.

import type Database from "better-sqlite3";

const CHUNK = 100;

export class Bulk {
  private readonly cache = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  private statement(sql: (rows: string) => string, width: number, n: number, name: string): Database.Statement {
    const key = `${name}:${n}`;
    let st = this.cache.get(key);
    if (!st) {
      const one = `(${Array(width).fill("?").join(", ")})`;
      st = this.db.prepare(sql(Array(n).fill(one).join(", ")));
      this.cache.set(key, st);
    }
    return st;
  }

  /**
   * Runs `sql` with its row list filled by `values` (flat: `width` values per row), in chunks.
   * Returns the rows of a RETURNING clause, if any.
   */
  run<T>(name: string, sql: (rows: string) => string, width: number, values: unknown[], returning: boolean): T[] {
    const out: T[] = [];
    const step = CHUNK * width;
    for (let i = 0; i < values.length; i += step) {
      // better-sqlite3 binds an array as it is: no spread of hundreds of arguments.
      const chunk = values.length <= step ? values : values.slice(i, i + step);
      const st = this.statement(sql, width, chunk.length / width, name);
      if (returning) for (const r of st.all(chunk)) out.push(r as T);
      else st.run(chunk);
    }
    return out;
  }
}
