// Local day and hour buckets in a counter's IANA time zone.
// Intl formatting is slow, so each zone's answer is cached until the next quarter hour:
// every UTC offset in use, and every DST switch, falls on a quarter-hour boundary.

const QUARTER_HOUR = 15 * 60 * 1000;

export interface Bucket {
  /** Local calendar day, "YYYY-MM-DD". */
  day: string;
  /** Local hour, "YYYY-MM-DDTHH". */
  hour: string;
}

interface Cached extends Bucket {
  validUntil: number;
  validFrom: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const cache = new Map<string, Cached>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** True when `tz` is an IANA time zone name this runtime knows. */
export function isTimeZone(tz: string): boolean {
  if (tz.length === 0 || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-CA", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The local bucket for instant `ms` in zone `tz`, computed without caching. */
export function bucketAt(tz: string, ms: number): Bucket {
  const parts = formatter(tz).formatToParts(ms);
  let y = "";
  let m = "";
  let d = "";
  let h = "";
  for (const p of parts) {
    if (p.type === "year") y = p.value;
    else if (p.type === "month") m = p.value;
    else if (p.type === "day") d = p.value;
    else if (p.type === "hour") h = p.value;
  }
  const day = `${y}-${m}-${d}`;
  return { day, hour: `${day}T${h}` };
}

/**
 * The local bucket for `ms` in `tz`, cached per zone until the next quarter hour.
 * @example localBucket("Asia/Kolkata", Date.UTC(2026, 0, 1, 18, 30)).day === "2026-01-02"
 */
export function localBucket(tz: string, ms: number): Bucket {
  const c = cache.get(tz);
  if (c && ms >= c.validFrom && ms < c.validUntil) return c;
  const validFrom = ms - (ms % QUARTER_HOUR);
  const fresh: Cached = { ...bucketAt(tz, ms), validFrom, validUntil: validFrom + QUARTER_HOUR };
  cache.set(tz, fresh);
  return fresh;
}

/** UTC calendar day "YYYY-MM-DD" of `ms`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The UTC day `n` days after `day`. */
export function addDays(day: string, n: number): string {
  return utcDay(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000);
}
