// The dedupe window's marks: "this visitor was counted on this page until T". Expiry is by
// time buckets (one per minute of expiry), worked off a few keys per hit, so no hit ever pays
// for a sweep of the whole table, whatever the windows and however many pages. Bounded: past
// MAX_MARKS a new mark is refused, and the caller refuses the hit rather than count what it
// can't check.

/** Marks kept at most: about 150 bytes each with their bucket entry, 30 MB. */
export const MAX_MARKS = 200_000;
/** Bucket entries looked at per call of expire(): more than one mark is added per hit. */
const BUDGET = 8;
const MINUTE = 60_000;

export class DedupeMarks {
  private readonly marks = new Map<string, number>();
  /** Minute -> keys whose mark ends before that minute begins. */
  private readonly buckets = new Map<number, string[]>();
  private cursor = -1;
  private pos = 0;

  constructor(private readonly maxMarks = MAX_MARKS) {}

  get size(): number {
    return this.marks.size;
  }

  /** Whether `key` has a mark running at `now`. */
  has(key: string, now: number): boolean {
    const until = this.marks.get(key);
    return until !== undefined && until > now;
  }

  /** Marks `key` until `until`; false when the table is full and the key is new. */
  mark(key: string, until: number): boolean {
    if (this.marks.size >= this.maxMarks && !this.marks.has(key)) return false;
    this.marks.set(key, until);
    const minute = Math.floor(until / MINUTE) + 1;
    if (this.cursor < 0 || minute < this.cursor) {
      this.cursor = minute;
      this.pos = 0;
    }
    const bucket = this.buckets.get(minute);
    if (bucket) bucket.push(key);
    else this.buckets.set(minute, [key]);
    return true;
  }

  /** Drops up to a few marks that have ended (call once per hit). */
  expire(now: number): void {
    const minute = Math.floor(now / MINUTE);
    if (this.buckets.size === 0) this.cursor = minute;
    let budget = BUDGET;
    while (budget-- > 0 && this.cursor <= minute) {
      const bucket = this.buckets.get(this.cursor);
      if (!bucket || this.pos >= bucket.length) {
        this.buckets.delete(this.cursor);
        this.cursor++;
        this.pos = 0;
        continue;
      }
      const key = bucket[this.pos++] as string;
      const until = this.marks.get(key);
      // A key marked again later has its entry in a later bucket too: leave it.
      if (until !== undefined && until <= now) this.marks.delete(key);
    }
  }
}
