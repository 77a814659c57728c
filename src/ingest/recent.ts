// "Right now": the distinct visitors a node counted in the last five minutes, per counter, in
// memory. Each counter keeps a ring of five per-minute counts of the visitors whose latest
// counted hit fell in that minute; a visitor counted again moves from its old minute to the
// new one. The visitor's last counted minute is in its VisitorState (visitor-book.ts), so a
// visitor's further hits within one minute touch nothing here: on a busy node most hits are
// such repeats. Bounded in the number of counters tracked. Where nodes share a store, each
// visitor's move to a new minute is also kept as a sighting for live/online.ts to share with
// the other nodes (at most MAX_SIGHTINGS between two shares; past that they are dropped and
// "online" reads low until the next share, never high).

import type { Sightings } from "../store/store.js";
import type { VisitorState } from "./visitor-book.js";

const MINUTES = 5;
const MAX_COUNTERS = 20_000;
/** Sightings kept between two shares: about 100 bytes each, so 10 MB at most. */
const MAX_SIGHTINGS = 100_000;

const noSightings = (): Sightings => ({ counters: [], visitors: [], minutes: [] });

interface Ring {
  /** The minute (ms / 60,000) each slot holds. */
  minutes: number[];
  counts: number[];
}

export class RecentVisitors {
  private readonly byCounter = new Map<string, Ring>();
  private sightings: Sightings | undefined;
  /** Sightings dropped because MAX_SIGHTINGS were waiting. */
  droppedSightings = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Keep sightings for takeSightings() from now on (nodes sharing a store). */
  keepSightings(): void {
    this.sightings ??= noSightings();
  }

  /** The sightings since the last call, and a fresh list for the next ones. */
  takeSightings(): Sightings {
    const s = this.sightings ?? noSightings();
    if (this.sightings) this.sightings = noSightings();
    return s;
  }

  /** A hit of `visitor` (its hash `hash`) was counted in `minute` (ms / 60,000). */
  counted(counterId: string, hash: string, visitor: VisitorState, minute: number): void {
    const last = visitor.countedMinute;
    if (last === minute || !visitor.tracked) return;
    visitor.countedMinute = minute;
    const s = this.sightings;
    if (s) {
      if (s.minutes.length < MAX_SIGHTINGS) {
        s.counters.push(counterId);
        s.visitors.push(hash);
        s.minutes.push(minute);
      } else this.droppedSightings++;
    }
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
