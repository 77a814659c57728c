// "Right now": the visitors a node counted in the last few minutes, per counter, in memory.
// Kept as one set of visitor hashes per counter per minute (a ring of five), so recording a
// hit is one Set.add: no per-hit deletes or reordering, which on a busy counter made a single
// ordered map the hottest thing on the hit path. Reading unions the five sets (rare: the
// dashboard polls it). Bounded per counter-minute and in the number of counters tracked; on
// many nodes each node knows its own share (documented in README "Many nodes").

const MINUTES = 5;
const MINUTE_MS = 60_000;
const MAX_PER_MINUTE = 10_000;
const MAX_COUNTERS = 20_000;

interface Ring {
  /** The minute (ms / 60,000) each slot holds. */
  minutes: number[];
  slots: Set<string>[];
}

export class RecentVisitors {
  private readonly byCounter = new Map<string, Ring>();

  constructor(private readonly now: () => number = Date.now) {}

  seen(counterId: string, visitor: string): void {
    let ring = this.byCounter.get(counterId);
    if (!ring) {
      // Evicts the counter tracked longest; this runs once per newly active counter, not per hit.
      if (this.byCounter.size >= MAX_COUNTERS) this.byCounter.delete(this.byCounter.keys().next().value as string);
      ring = { minutes: Array(MINUTES).fill(-1), slots: Array.from({ length: MINUTES }, () => new Set<string>()) };
      this.byCounter.set(counterId, ring);
    }
    const minute = Math.floor(this.now() / MINUTE_MS);
    const i = minute % MINUTES;
    const slot = ring.slots[i] as Set<string>;
    if (ring.minutes[i] !== minute) {
      ring.minutes[i] = minute;
      slot.clear();
    }
    if (slot.size < MAX_PER_MINUTE) slot.add(visitor);
  }

  /** Distinct visitors seen in the last five minutes (this one and the four before). */
  count(counterId: string): number {
    const ring = this.byCounter.get(counterId);
    if (!ring) return 0;
    const minute = Math.floor(this.now() / MINUTE_MS);
    const distinct = new Set<string>();
    for (let i = 0; i < MINUTES; i++) {
      if (minute - (ring.minutes[i] as number) >= MINUTES) continue;
      for (const v of ring.slots[i] as Set<string>) distinct.add(v);
    }
    return distinct.size;
  }
}
