// Fixed-window limits per client address (counter creation per hour, requests per minute).
// The window map is cleared when the window turns, so memory is bounded by one window's
// distinct addresses, and capped on top of that.

const MAX_KEYS = 500_000;

export class WindowLimit {
  private window = -1;
  private readonly seen = new Map<string, number>();

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
    const n = (this.seen.get(key) ?? 0) + 1;
    if (n > 1 || this.seen.size < MAX_KEYS) this.seen.set(key, n);
    return n <= this.limit;
  }

  /** Seconds until the window turns, for Retry-After. */
  retryAfter(): number {
    return Math.ceil((this.windowMs - (this.now() % this.windowMs)) / 1000);
  }
}
