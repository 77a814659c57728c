// The PostgreSQL journal on a node: a batch's commit, one statement that inserts
// its visitor hashes (the ones that are new are the new visitors, which keeps uniques exact
// across nodes) and its journal row, atomically and idempotently by batch id. What a node reads
// back of the rows not folded yet is unfolded.ts.
// Hashes this node stored already are not sent again (StoredVisitors): on a busy counter a
// visitor's later hits cost the database nothing.

import type pg from "pg";
import { encodeBatch } from "../journal-rows.js";
import { SeenHashes } from "../seen-hashes.js";
import type { Batch, CommittedTotals, DayTotals } from "../store.js";

/**
 * Inserts the batch's hashes and its row in one statement, so it needs no BEGIN or COMMIT. A
 * retry after a lost answer finds the id in the journal, or in `batches` once folded, and
 * inserts nothing (its hashes are stored already, so they come back as not new either).
 */
const COMMIT = `
  WITH t AS (SELECT * FROM unnest($6::text[], $7::text[], $8::text[]) AS t(c, hr, x)),
  v AS (
    INSERT INTO visitor_days (counter_id, day, hash) SELECT c, left(hr, 10), x FROM t
    ON CONFLICT DO NOTHING RETURNING counter_id, hash
  ), f AS (
    SELECT COALESCE(array_agg(t.c), '{}') AS vc, COALESCE(array_agg(t.hr), '{}') AS vh
    FROM v JOIN t ON t.c = v.counter_id AND t.x = v.hash
  )
  INSERT INTO journal (id, data, c, d, h, vc, vh)
  SELECT $1, $2, $3, $4, $5, f.vc, f.vh FROM f WHERE NOT EXISTS (SELECT 1 FROM batches WHERE id = $1)
  ON CONFLICT (id) DO NOTHING
  RETURNING vc, vh`;

/** Budget of the hashes a node remembers as stored (README "Memory"). */
export const STORED_VISITORS_BYTES = 16 * 1024 * 1024;

/**
 * The visitor hashes this node stored, per local day, under a budget. A hash found here is
 * stored, so not new; one not found (forgotten, or past the budget) is sent, and the database
 * decides. After a reset through this node the sets are dropped: its hashes are new again.
 * A reset through another node is seen here only as a lower count of that day's returning
 * visitors on this node (never a double).
 */
export class StoredVisitors {
  private days = new Map<string, SeenHashes>();
  private budget = { used: 0, max: STORED_VISITORS_BYTES };

  constructor(maxBytes = STORED_VISITORS_BYTES) {
    this.budget.max = maxBytes;
  }

  has(day: string, hash: string): boolean {
    return this.days.get(day)?.has(hash, 0) ?? false;
  }

  add(day: string, hash: string): void {
    let set = this.days.get(day);
    if (!set) {
      set = new SeenHashes(this.budget);
      this.days.set(day, set);
    }
    set.add(hash, 0);
  }

  forgetBefore(day: string): void {
    for (const [d, set] of this.days) {
      if (d >= day) continue;
      set.release();
      this.days.delete(d);
    }
  }

  clear(): void {
    this.forgetBefore("9999");
  }
}

/** A batch's commit statement and how to read its answer. */
export interface Commit {
  query: pg.QueryConfig;
  /**
   * What the batch added per counter, from the statement's rows. No row: it was committed
   * before; by this call's own lost attempt (`inDoubt`), or by an earlier call, which added it.
   */
  added(rows: { vc: string[]; vh: string[] }[], inDoubt: boolean): Map<string, CommittedTotals>;
}

/** The commit of `batch`, sending only the hashes `stored` does not know. */
export function commitOf(batch: Batch, stored: StoredVisitors): Commit {
  const c: string[] = [];
  const d: string[] = [];
  const h: number[] = [];
  const vc: string[] = [];
  const vh: string[] = [];
  const vx: string[] = [];
  const sent: (string[] | undefined)[] = [];
  for (const e of batch.entries) {
    const day = e.hour.slice(0, 10);
    c.push(e.counterId);
    d.push(day);
    h.push(e.hits);
    for (const x of e.visitors) {
      if (stored.has(day, x)) continue;
      vc.push(e.counterId);
      vh.push(e.hour);
      vx.push(x);
    }
    // The row's visitors travel in vc/vh, decided by the database; the entries carry none.
    sent.push([]);
  }
  const data = encodeBatch(batch, sent);
  return {
    query: { name: "hc_commit", text: COMMIT, values: [batch.id, data, c, d, h, vc, vh, vx] },
    added(rows, inDoubt) {
      const out = new Map<string, CommittedTotals>();
      const row = rows[0];
      if (!row && !inDoubt) return out;
      for (let i = 0; i < vx.length; i++) stored.add((vh[i] as string).slice(0, 10), vx[i] as string);
      const totalsOf = (id: string) => {
        let t = out.get(id);
        if (!t) {
          t = { hits: 0, visitors: 0, days: [] };
          out.set(id, t);
        }
        return t;
      };
      const dayOf = (t: CommittedTotals, day: string): DayTotals => {
        let x = t.days.find((y) => y.day === day);
        if (!x) {
          x = { day, hits: 0, visitors: 0 };
          t.days.push(x);
        }
        return x;
      };
      for (let i = 0; i < c.length; i++) {
        const t = totalsOf(c[i] as string);
        t.hits += h[i] as number;
        dayOf(t, d[i] as string).hits += h[i] as number;
      }
      // No row, in doubt: the lost attempt committed it; its new visitors are unknown here (a
      // refresh brings them), its hits are the batch's.
      if (row) {
        for (let i = 0; i < row.vc.length; i++) {
          const t = totalsOf(row.vc[i] as string);
          t.visitors++;
          dayOf(t, (row.vh[i] as string).slice(0, 10)).visitors++;
        }
      }
      return out;
    },
  };
}
