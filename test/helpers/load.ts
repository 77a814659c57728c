// A bounded concurrent hit generator for durability tests: many visitors, many connections,
// and an exact tally of what the server answered.

import { BROWSER_UA } from "./server.js";

export interface Tally {
  counted: number;
  notCounted: number;
  /** Requests that got no HTTP answer (connection refused or cut). */
  noResponse: number;
  /** 503 answers: a node that is shutting down refuses new requests. */
  closing: number;
  /** Answers with any other status than 200 (should be none). */
  errors: number;
  /** Per counter: counted answers and the distinct visitors among them. */
  byCounter: Map<string, { counted: number; visitors: Set<string> }>;
}

/**
 * Sends hits from `workers` concurrent loops until `total` were sent or `stop()` says so.
 * Each hit comes from one of many visitors (X-Forwarded-For), so no rate limit applies.
 */
export async function hammer(
  url: string | string[],
  ids: string[],
  opts: {
    workers: number;
    total: number;
    /** Distinct visitors to cycle through; by default every hit is a new visitor. */
    visitors?: number;
    stop?: () => boolean;
    onAnswer?: (t: Tally) => void;
  },
): Promise<Tally> {
  const urls = typeof url === "string" ? [url] : url;
  const t: Tally = { counted: 0, notCounted: 0, noResponse: 0, closing: 0, errors: 0, byCounter: new Map() };
  for (const id of ids) t.byCounter.set(id, { counted: 0, visitors: new Set() });
  let sent = 0;
  const worker = async (w: number) => {
    while (sent < opts.total && !opts.stop?.()) {
      const n = sent++;
      const id = ids[n % ids.length] as string;
      const v = opts.visitors ? (n * 7919) % opts.visitors : undefined;
      const ip = v === undefined ? `10.${w}.${(n >> 8) & 255}.${n & 255}` : `10.200.${(v >> 8) & 255}.${v & 255}`;
      try {
        const r = await fetch(`${urls[n % urls.length]}/c/${id}.svg`, {
          headers: { "user-agent": BROWSER_UA, "x-forwarded-for": ip },
        });
        await r.arrayBuffer();
        if (r.status === 503) t.closing++;
        else if (r.status !== 200) t.errors++;
        else if (r.headers.get("x-hit-counted") === "1") {
          t.counted++;
          const c = t.byCounter.get(id);
          c?.visitors.add(ip);
          if (c) c.counted++;
        } else t.notCounted++;
        opts.onAnswer?.(t);
      } catch {
        t.noResponse++;
        // once the server is gone, stop rather than spin
        if (opts.stop === undefined) continue;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.workers }, (_, w) => worker(w)));
  return t;
}
