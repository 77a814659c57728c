// What a node shows beyond the rollups: the journal rows committed and not folded yet. The
// node keeps each row's hits and new visitors per counter and day once it has read them, so
// a read (every REFRESH_MS, over every counter the node served lately) asks only which rows
// are still there and the contents of the ones it has not seen; unnesting the whole journal on
// every refresh was a fifth of the database's CPU on npm run bench's 10,000-counter load.
// Exact as before: a row counts while it is listed, so a row the fold took since the rollups
// were read is left out (the figure is low until the next read, never high), and a counter's
// rows up to its reset are skipped.

import type { CommittedTotals } from "../store.js";

/**
 * First a row of every present row's seq (one array: the journal holds a few thousand rows
 * between folds), then the contents of the rows past the newest seq the node has seen, and
 * of the older ones it asks for by seq: a row that committed after a higher seq was listed,
 * or one it could not keep. Both scans read the same snapshot: it is one statement.
 */
const LIST = `
  SELECT NULL::bigint AS seq, array_agg(seq) AS present, NULL AS c, NULL AS d, NULL AS h, NULL AS vc, NULL AS vh
    FROM journal
  UNION ALL
  SELECT seq, NULL, c, d, h, vc, vh FROM journal WHERE seq > $1 OR seq = ANY($2::bigint[])`;

interface ListedRow {
  seq: number | null;
  present: number[] | null;
  c: string[] | null;
  d: string[] | null;
  h: number[] | null;
  vc: string[] | null;
  vh: string[] | null;
}

/** One row's part of one counter's figures. */
interface Part {
  seq: number;
  day: string;
  hits: number;
  visitors: number;
}

/**
 * Parts kept in memory, about 80 bytes each: 200,000 is some 20 s of npm run bench's load on
 * one node between folds. Past it, rows are not kept: their contents are read on every
 * refresh, as they all were before.
 */
export const MAX_KEPT_PARTS = 200_000;

type Query = (sql: string, params: unknown[]) => Promise<ListedRow[]>;

export class UnfoldedJournal {
  /** Each kept row's counters; and each counter's parts, of kept rows only. */
  private rows = new Map<number, string[]>();
  private parts = new Map<string, Part[]>();
  private kept = 0;
  /** The highest seq listed so far; and older seqs whose contents are wanted. */
  private newest = 0;
  private asked = new Set<number>();

  constructor(
    private readonly query: Query,
    private readonly maxParts = MAX_KEPT_PARTS,
  ) {}

  /**
   * Committed, unfolded hits and new visitors of the counters in `resetSeq` (id -> the seq of
   * its last reset): per counter, in all and per day. Read after the rollups it adds to.
   */
  async of(resetSeq: Map<string, number>): Promise<Map<string, CommittedTotals>> {
    const out = new Map<string, CommittedTotals>();
    if (resetSeq.size === 0) return out;
    const listed = await this.query(LIST, [this.newest, [...this.asked]]);
    const add = (id: string, p: Part) => {
      const since = resetSeq.get(id);
      if (since === undefined || p.seq <= since) return;
      let t = out.get(id);
      if (!t) {
        t = { hits: 0, visitors: 0, days: [] };
        out.set(id, t);
      }
      t.hits += p.hits;
      t.visitors += p.visitors;
      const day = t.days.find((x) => x.day === p.day);
      if (day) {
        day.hits += p.hits;
        day.visitors += p.visitors;
      } else t.days.push({ day: p.day, hits: p.hits, visitors: p.visitors });
    };
    // (UNION ALL keeps no order; pg parses a bigint[] to strings.)
    const present = new Set<number>((listed.find((r) => r.seq === null)?.present ?? []).map(Number));
    for (const r of listed) {
      if (r.seq === null || this.rows.has(r.seq)) continue; // the list, or kept meanwhile
      const parts = partsOf(r as ListedRow & { seq: number });
      if (this.kept + parts.length <= this.maxParts) this.keep(r.seq, parts);
      else for (const [id, p] of parts) add(id, p);
    }
    // Every present row not kept is asked for by seq next time: one that committed below the
    // newest seq seen (left out until then: low, never high), or one past the bound.
    this.asked = new Set();
    for (const seq of present) {
      if (seq > this.newest) this.newest = seq;
      if (!this.rows.has(seq)) this.asked.add(seq);
    }
    this.forgetFolded(present);
    for (const id of resetSeq.keys()) for (const p of this.parts.get(id) ?? []) add(id, p);
    return out;
  }

  private keep(seq: number, parts: [string, Part][]): void {
    // Two reads at once may both be sent a row: it is kept once.
    if (this.rows.has(seq)) return;
    const ids: string[] = [];
    for (const [id, p] of parts) {
      let list = this.parts.get(id);
      if (!list) {
        list = [];
        this.parts.set(id, list);
      }
      list.push(p);
      ids.push(id);
    }
    this.rows.set(seq, ids);
    this.kept += parts.length;
  }

  /** Drops the kept rows the journal no longer lists (folded, or skipped by a reset). */
  private forgetFolded(present: Set<number>): void {
    const touched = new Set<string>();
    for (const [seq, ids] of this.rows) {
      if (present.has(seq)) continue;
      this.rows.delete(seq);
      for (const id of ids) touched.add(id);
    }
    for (const id of touched) {
      const list = this.parts.get(id) as Part[];
      const left = list.filter((p) => this.rows.has(p.seq));
      this.kept -= list.length - left.length;
      if (left.length > 0) this.parts.set(id, left);
      else this.parts.delete(id);
    }
  }
}

/** A listed row's hits per counter and day, and its new visitors (hour -> day), as parts. */
function partsOf(r: ListedRow & { seq: number }): [string, Part][] {
  const byKey = new Map<string, [string, Part]>();
  const part = (id: string, day: string) => {
    const key = `${id}\u0000${day}`;
    let p = byKey.get(key);
    if (!p) {
      p = [id, { seq: r.seq, day, hits: 0, visitors: 0 }];
      byKey.set(key, p);
    }
    return p[1];
  };
  const c = r.c ?? [];
  for (let i = 0; i < c.length; i++)
    part(c[i] as string, (r.d as string[])[i] as string).hits += (r.h as number[])[i] as number;
  const vc = r.vc ?? [];
  for (let i = 0; i < vc.length; i++) part(vc[i] as string, ((r.vh as string[])[i] as string).slice(0, 10)).visitors++;
  return [...byKey.values()];
}
