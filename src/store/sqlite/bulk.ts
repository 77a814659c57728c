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
   * Runs `sql` with its row list filled by `rows` (each `width` values), in chunks.
   * Returns the rows of a RETURNING clause, if any.
   */
  run<T>(name: string, sql: (rows: string) => string, width: number, rows: unknown[][], returning: boolean): T[] {
    const out: T[] = [];
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const st = this.statement(sql, width, chunk.length, name);
      const params = chunk.flat();
      if (returning) for (const r of st.all(...params)) out.push(r as T);
      else st.run(...params);
    }
    return out;
  }
}
