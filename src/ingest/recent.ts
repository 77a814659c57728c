// "Right now": the distinct visitors a node counted in the last five minutes, per counter, in
// memory. Each counter keeps a ring of five per-minute counts of the visitors whose latest
// counted hit fell in that minute; a visitor counted again moves from its old minute to the
// new one. The visitor's last counted minute is in its VisitorState (visitor-book.ts), so a
// visitor's further hits within one minute touch nothing here: on a busy node most hits are
// such repeats. Bounded in the number of counters tracked; on many nodes each node knows its
// own share (documented in README "Many nodes").

import type { VisitorState } from "./visitor-book.js";

const MINUTES = 5;
const MAX_COUNTERS = 20_000;

interface Ring {
  /** The minute (ms / 60,000) each slot holds. */
  minutes: number[];
  counts: number[];
}

export class RecentVisitors {
  private readonly byCounter = new Map<string, Ring>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A hit of `visitor` was counted in `minute` (ms / 60,000). */
  counted(counterId: string, visitor: VisitorState, minute: number): void {
    const last = visitor.countedMinute;
    if (last === minute || !visitor.tracked) return;
    visitor.countedMinute = minute;
    let ring = this.byCounter.get(counterId);
    if (!ring) {
      // Evicts the counter tracked longest; this runs once per newly active counter, not per hit.
      if (this.byCounter.size >= MAX_COUNTERS) this.byCounter.delete(this.byCounter.keys().next().value as string);
      ring = { minutes: Array(MINUTES).fill(-1), counts: Array(MINUTES).fill(0) };
      this.byCounter.set(counterId, ring);
    }
    // Counted before, within the window: it leaves that minute's count.
    const j = last % MINUTES;
    if (last >= 0 && ring.minutes[j] === last) ring.counts[j] = (ring.counts[j] as number) - 1;
    const i = minute % MINUTES;
    if (ring.minutes[i] !== minute) {
      ring.minutes[i] = minute;
      ring.counts[i] = 0;
    }
    ring.counts[i] = (ring.counts[i] as number) + 1;
  }

  /** Distinct visitors counted in the last five minutes (this one and the four before). */
  count(counterId: string): number {
    const ring = this.byCounter.get(counterId);
    if (!ring) return 0;
    const minute = Math.floor(this.now() / 60_000);
    let n = 0;
    for (let i = 0; i < MINUTES; i++) {
      if (minute - (ring.minutes[i] as number) < MINUTES) n += ring.counts[i] as number;
    }
    return n;
  }
}
