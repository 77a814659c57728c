// What is derived from a user-agent (bot or not, browser/OS/device), cached per distinct
// user-agent string. Bounded: MAX_UA_CACHE entries, none longer than MAX_CACHED_UA_LENGTH
// characters (README "Memory"). When full, a new user-agent is worked out and not kept, and
// the cache starts again after ten such misses per entry, so a changing mix is learnt
// again. Clearing at once whenever full, as before, made a flood of distinct user-agents
// (npm run bench's memory line) churn the cache: entries lived long enough to reach V8's old
// generation and died there, about 7 MB a second of old garbage that took the heap up by
// 150 MB between collections. Kept full, the cache holds what it first learnt, which on real
// traffic is the common user-agents.

/** Entries and the longest user-agent kept: 10,000 × 512 characters, 10 MB at most. */
export const MAX_UA_CACHE = 10_000;
export const MAX_CACHED_UA_LENGTH = 512;
/** Misses while full, per entry the cache holds, before it starts again. */
const CLEAR_AFTER_MISSES_PER_ENTRY = 10;

export class UaCache<T> {
  private readonly entries = new Map<string, T>();
  private misses = 0;

  constructor(
    private readonly derive: (userAgent: string) => T,
    private readonly maxEntries = MAX_UA_CACHE,
  ) {}

  get(userAgent: string): T {
    let value = this.entries.get(userAgent);
    if (value !== undefined) return value;
    value = this.derive(userAgent);
    if (userAgent.length > MAX_CACHED_UA_LENGTH) return value;
    if (this.entries.size < this.maxEntries) this.entries.set(userAgent, value);
    else if (++this.misses >= CLEAR_AFTER_MISSES_PER_ENTRY * this.maxEntries) {
      this.entries.clear();
      this.misses = 0;
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
