// Fixed-window limits per client address (counter creation per hour, requests per minute).
// The window map is cleared when the window turns, so memory is bounded by one window's
// distinct addresses, and capped on top of that.

const MAX_KEYS = 500_000;

export class WindowLimit {
  private window = -1;
  /** Per key, a box holding its count: a repeat costs one map lookup, not a lookup and a store. */
  private readonly seen = new Map<string, { n: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one event for `key`; false once the key is past its limit in this window. */
  take(key: string): boolean {
    const w = Math.floor(this.now() / this.windowMs);
    if (w !== this.window) {
      this.window = w;
      this.seen.clear();
    }
    let box = this.seen.get(key);
    if (!box) {
      // Past the cap a new key is not remembered: its first event is all it is known by.
      if (this.seen.size >= MAX_KEYS) return this.limit >= 1;
      box = { n: 0 };
      this.seen.set(key, box);
    }
    return ++box.n <= this.limit;
  }

  /** Seconds until the window turns, for Retry-After. */
  retryAfter(): number {
    return Math.ceil((this.windowMs - (this.now() % this.windowMs)) / 1000);
  }
}
