// What this node remembers of each visitor (a visitor hash: one per counter and day) seen in
// the last minutes: its hits in the current minute (the per-visitor rate rule, classify.ts),
// the minute it was last counted ("right now", recent.ts), and the breakdown values derived
// from its address and user-agent, which are the same for every hit of one hash. One lookup
// per hit serves all of them, where a map each took its own: on npm run bench's load on
// 10,000 counters, the rate map, the right-now sets and the GeoIP lookup were about 6% of the
// event loop's time.
// Memory: two generations of five minutes each, the older dropped whole when a new one starts
// (no per-entry sweeping on the hit path). A visitor is forgotten only after a whole generation
// unseen, so never while its last count is inside the five-minute "right now" window. Past
// MAX_TRACKED visitors in a generation, new ones are not remembered: their hits still count,
// but the rate rule and "right now" don't see them (bounded memory under a flood).

import type { Hit } from "../hit.js";
import { country, type UaInfo, uaInfo } from "./enrich.js";

const GENERATION_MINUTES = 5;
/** Visitors a generation keeps: about 150 bytes each, so two generations take 30 MB at most. */
const MAX_TRACKED = 100_000;

export interface VisitorState {
  /** The minute (ms / 60,000) that `hits` counts in. */
  minute: number;
  hits: number;
  /** The minute a hit of this visitor was last counted; -1: never. */
  countedMinute: number;
  /** False when the book was full: a state for this hit only, remembered nowhere. */
  tracked: boolean;
  ua: UaInfo;
  country: string;
}

export class VisitorBook {
  private current = new Map<string, VisitorState>();
  private previous = new Map<string, VisitorState>();
  private generation = Number.NEGATIVE_INFINITY;

  /** The visitor's state, made on its first hit from the hit's address and user-agent. */
  see(visitor: string, hit: Hit, minute: number): VisitorState {
    const g = Math.floor(minute / GENERATION_MINUTES);
    if (g !== this.generation) {
      this.previous = g === this.generation + 1 ? this.current : new Map();
      this.current = new Map();
      this.generation = g;
    }
    let s = this.current.get(visitor);
    if (s) return s;
    // Kept in the older generation too until it is dropped: deleting it there would cost a
    // second map operation for nothing.
    s = this.previous.get(visitor);
    if (!s) {
      const tracked = this.current.size < MAX_TRACKED;
      s = { minute, hits: 0, countedMinute: -1, tracked, ua: uaInfo(hit.userAgent), country: country(hit.ip) };
      if (!tracked) return s;
    }
    this.current.set(visitor, s);
    return s;
  }
}
