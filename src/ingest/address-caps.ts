// Counted hits per client address per counter per minute (ADDRESS_HIT_RATE_PER_MINUTE, and
// PROXY_HIT_RATE_PER_MINUTE for a real image proxy), so rotating user-agents from one address
// mints no hits. Keyed by the address alone, not by (counter, address): nearly every address
// views one counter in a minute, so its box holds that counter's count inline, and a second
// counter gets a small map only then. A hit costs one lookup by a string the Hit already holds,
// no key built per hit (a joined key cost about 8% of the 10,000-counter bench's throughput).
// Bounded like the request limiter in front of it (guard.ts, the same number of addresses per
// minute): past it a new address is refused ("rate"), never waved through unchecked.

import { MAX_WINDOW_KEYS } from "../limits/window-limit.js";

interface Box {
  first: string;
  firstHits: number;
  /** Counted hits per further counter, made when the address hits a second counter. */
  more: Map<string, number> | undefined;
}

const MINUTE = 60_000;

export class AddressCaps {
  private minute = -1;
  private readonly boxes = new Map<string, Box>();

  constructor(private readonly maxAddresses = MAX_WINDOW_KEYS) {}

  /** Counts one hit of `address` on `counterId` at `now`; false once past `limit` this minute. */
  take(address: string, counterId: string, limit: number, now: number): boolean {
    const m = Math.floor(now / MINUTE);
    if (m !== this.minute) {
      this.minute = m;
      this.boxes.clear();
    }
    const box = this.boxes.get(address);
    if (!box) {
      if (this.boxes.size >= this.maxAddresses) return false;
      this.boxes.set(address, { first: counterId, firstHits: 1, more: undefined });
      return limit >= 1;
    }
    if (box.first === counterId) {
      if (box.firstHits >= limit) return false;
      box.firstHits++;
      return true;
    }
    box.more ??= new Map();
    const n = box.more.get(counterId) ?? 0;
    if (n >= limit) return false;
    box.more.set(counterId, n + 1);
    return true;
  }
}
