// A node's last reading of the rollups (counters and today's daily row) of the counters it
// refreshes, kept while the rollups' generation stays the same. Every transaction that changes
// counters or daily (the fold, set count, reset, delete, settings, an import) raises the
// generation (BUMP, its last statement), so a refresh that finds the same generation reads no
// rollups: they change once per fold, where the refresh runs every second (reading 10,000
// counters' rows every second was a node's largest fixed cost on npm run bench's load).
// Safe to be early, never late: the generation is read before the rollups it tags, so a row
// tagged with generation g holds at least g's figures; the journal, read after both, never
// holds what a row read before it already has.

/** Raises the generation; the last statement of a transaction that changed the rollups. */
export const BUMP = "UPDATE rollup_gen SET gen = gen + 1";
export const GENERATION = "SELECT gen FROM rollup_gen";

export interface RollupRow {
  id: string;
  hits: number;
  visitors: number;
  revision: number;
  reset_seq: number;
  day: string;
  dh: number;
  dv: number;
}

/** Twice the counters a node holds in memory (README "Memory"): never reached by refreshes alone. */
export const MAX_READINGS = 200_000;

export class RollupReadings {
  private gen = -1;
  private rows = new Map<string, RollupRow>();

  /**
   * The rows of `wanted`: those kept from generation `gen`, and the rest read by `read` (which
   * runs after `gen` was read). A wanted id without a row is not a counter (any more).
   */
  async of(
    gen: number,
    wanted: { id: string; day: string }[],
    read: (missing: { id: string; day: string }[]) => Promise<RollupRow[]>,
  ): Promise<RollupRow[]> {
    // Rows of counters no longer refreshed are dropped with the next generation. (The refresh
    // asks in parts, so one call's `wanted` is not the whole set.)
    if (gen !== this.gen || this.rows.size >= MAX_READINGS) {
      this.gen = gen;
      this.rows = new Map();
    }
    const out: RollupRow[] = [];
    const missing: { id: string; day: string }[] = [];
    for (const w of wanted) {
      const r = this.rows.get(w.id);
      if (r && r.day === w.day) out.push(r);
      else missing.push(w);
    }
    if (missing.length === 0) return out;
    for (const r of await read(missing)) {
      // A newer generation read meanwhile: this one's rows are not kept under it.
      if (this.gen === gen) this.rows.set(r.id, r);
      out.push(r);
    }
    return out;
  }
}
