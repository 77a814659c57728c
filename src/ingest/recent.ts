// "Right now": the visitors a node counted in the last few minutes, per counter, in memory.
// Bounded per counter and in the number of counters tracked; on many nodes each node knows its
// own share (documented in README "Many nodes").

const WINDOW_MS = 5 * 60_000;
const MAX_PER_COUNTER = 10_000;
const MAX_COUNTERS = 20_000;

export class RecentVisitors {
  /** counter id -> visitor hash -> last seen (ms); Map order is oldest-first by last insert. */
  private readonly byCounter = new Map<string, Map<string, number>>();

  constructor(private readonly now: () => number = Date.now) {}

  seen(counterId: string, visitor: string): void {
    let m = this.byCounter.get(counterId);
    if (!m) {
      if (this.byCounter.size >= MAX_COUNTERS) this.byCounter.delete(this.byCounter.keys().next().value as string);
      m = new Map();
      this.byCounter.set(counterId, m);
    }
    m.delete(visitor); // re-insert so the map stays ordered by last seen
    m.set(visitor, this.now());
    if (m.size > MAX_PER_COUNTER) m.delete(m.keys().next().value as string);
  }

  /** Distinct visitors seen in the last five minutes. */
  count(counterId: string): number {
    const m = this.byCounter.get(counterId);
    if (!m) return 0;
    const since = this.now() - WINDOW_MS;
    for (const [v, at] of m) {
      if (at >= since) break;
      m.delete(v);
    }
    return m.size;
  }
}
