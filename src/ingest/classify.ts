// Decides whether a hit counts: bot, privacy signal, origin, dedupe and rate, in that order.
// Each rule returns a DropReason; the first that fires wins. State (dedupe marks here, rate
// windows in the visitor book) is per node and bounded: past the bound a rule lets hits
// through rather than growing memory.

import { isbot } from "isbot";
import type { LiveCounter } from "../counters/registry.js";
import type { DropReason, Hit } from "./hit.js";
import type { VisitorState } from "./visitor-book.js";

/** Image proxies fetch on behalf of real viewers (GitHub camo fetches every README image). */
const IMAGE_PROXY = /^github-camo|GoogleImageProxy|YahooMailProxy/;

/**
 * An image proxy fetching for a viewer: counted like a viewer, never rate-capped, and allowed
 * more requests per address. Tested once per request, when its Hit is made (ingest/hit.ts).
 */
export function isImageProxy(userAgent: string | undefined): boolean {
  return userAgent !== undefined && IMAGE_PROXY.test(userAgent);
}
/**
 * Command-line clients are fetches a person typed, not crawlers: counted (and rate-capped
 * like anyone), although isbot lists them.
 */
const BY_HAND = /^(curl|Wget|HTTPie|xh)\//;
const MAX_TRACKED = 200_000;
const MAX_UA_CACHE = 10_000;

export interface ClassifyOptions {
  hitRatePerMinute: number;
}

export class Classifier {
  private readonly botCache = new Map<string, boolean>();
  private readonly dedupe = new Map<string, number>();

  constructor(private readonly opts: ClassifyOptions) {}

  isBot(userAgent: string): boolean {
    if (userAgent === "") return true;
    let bot = this.botCache.get(userAgent);
    if (bot === undefined) {
      bot = !BY_HAND.test(userAgent) && isbot(userAgent);
      if (this.botCache.size >= MAX_UA_CACHE) this.botCache.clear();
      this.botCache.set(userAgent, bot);
    }
    return bot;
  }

  /** Rules that need no visitor hash. */
  early(c: LiveCounter, hit: Hit, proxy: boolean): DropReason | undefined {
    if (!proxy && this.isBot(hit.userAgent)) return "bot";
    if (c.row.honorPrivacySignals && hit.privacySignal) return "privacy";
    if (c.row.origins.length > 0 && !originAllowed(c.row.origins, proxy ? "github.com" : hit.sourceHost)) {
      return "origin";
    }
    return undefined;
  }

  /**
   * Rules keyed by the visitor: dedupe window and per-visitor rate. The rate counts in the
   * visitor's state (visitor-book.ts); a visitor the book could not keep is not rate-capped.
   */
  late(
    c: LiveCounter,
    hit: Hit,
    visitor: string,
    state: VisitorState,
    proxy: boolean,
    now: number,
  ): DropReason | undefined {
    if (c.row.dedupeSeconds > 0) {
      // The visitor hash already covers the counter (and the day), so it keys without the id.
      const key = hit.page === "" ? visitor : `${visitor}\u0000${hit.page}`;
      const until = this.dedupe.get(key);
      if (until !== undefined && until > now) return "dedupe";
      if (this.dedupe.size >= MAX_TRACKED) this.sweepDedupe(now);
      if (this.dedupe.size < MAX_TRACKED) this.dedupe.set(key, now + c.row.dedupeSeconds * 1000);
    }
    if (!proxy && state.tracked) {
      const minute = Math.floor(now / 60_000);
      if (state.minute !== minute) {
        state.minute = minute;
        state.hits = 0;
      }
      if (state.hits >= this.opts.hitRatePerMinute) return "rate";
      state.hits++;
    }
    return undefined;
  }

  private sweepDedupe(now: number): void {
    for (const [k, until] of this.dedupe) if (until <= now) this.dedupe.delete(k);
  }
}

/** Host equals an allowed origin or is a subdomain of one. */
export function originAllowed(origins: string[], host: string): boolean {
  if (host === "") return false;
  for (const o of origins) {
    if (host === o || (host.endsWith(o) && host.charCodeAt(host.length - o.length - 1) === 46)) return true;
  }
  return false;
}
