// Fixed-window counts per key (requests per address per minute, counters created per address
// per hour, counted hits per counter and address per minute). The window's map is cleared when
// the window turns, so memory is bounded by one window's distinct keys, and capped on top of
// that: past the cap a new key is refused, never waved through, because a limit that lets
// unknown keys pass is no limit to someone who can mint keys.

/** Keys one window may hold: about 100 bytes each, so 50 MB at the most. */
export const MAX_WINDOW_KEYS = 500_000;

export class WindowLimit {
  private window = -1;
  /** Per key, a box holding its count: a repeat costs one map lookup, not a lookup and a store. */
  private readonly seen = new Map<string, { n: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = MAX_WINDOW_KEYS,
  ) {}

  /**
   * Counts one event for `key`; false once the key is past `limit` in this window, or when the
   * window is full and the key is new. `at` is the time when the caller has read the clock.
   */
  take(key: string, limit = this.limit, at = this.now()): boolean {
    const w = Math.floor(at / this.windowMs);
    if (w !== this.window) {
      this.window = w;
      this.seen.clear();
    }
    let box = this.seen.get(key);
    if (!box) {
      if (this.seen.size >= this.maxKeys) return false;
      box = { n: 0 };
      this.seen.set(key, box);
    }
    return ++box.n <= limit;
  }

  /** Seconds until the window turns, for Retry-After. */
  retryAfter(): number {
    return Math.ceil((this.windowMs - (this.now() % this.windowMs)) / 1000);
  }
}
