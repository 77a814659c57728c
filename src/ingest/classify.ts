// Decides whether a hit counts: blocked, bot, privacy signal, origin, dedupe and rate, in that
// order. Each rule returns a DropReason; the first that fires wins. Two rates cap counted hits
// per counter per minute: per visitor (its state in the visitor book) and per client address
// (an IPv6 address by its /64), so rotating user-agents from one address mints no hits. A real
// image proxy (image-proxy.ts) skips the visitor rate but has an address cap of its own. State
// is per node and bounded; a full address table refuses new keys as "rate" rather than letting
// them through unchecked.

import type { LiveCounter } from "../counters/registry.js";
import type { DropReason, Hit } from "../hit.js";
import { AddressCaps } from "./address-caps.js";
import { BotCheck } from "./bots.js";
import { DedupeMarks } from "./dedupe-marks.js";
import type { VisitorState } from "./visitor-book.js";

export interface ClassifyOptions {
  hitRatePerMinute: number;
  /** Counted hits per client address per counter per minute. */
  addressHitRatePerMinute: number;
  /** The same for a real image proxy's address. */
  proxyHitRatePerMinute: number;
}

export class Classifier {
  private readonly bots = new BotCheck();
  private readonly dedupe = new DedupeMarks();
  private readonly addresses = new AddressCaps();

  constructor(private readonly opts: ClassifyOptions) {}

  isBot(userAgent: string): boolean {
    return this.bots.is(userAgent);
  }

  /** Rules that need no visitor hash. */
  early(c: LiveCounter, hit: Hit, proxy: boolean): DropReason | undefined {
    if (c.row.blocked) return "blocked";
    if (!proxy && this.isBot(hit.userAgent)) return "bot";
    if (c.row.honorPrivacySignals && hit.privacySignal) return "privacy";
    if (c.row.origins.length > 0 && !originAllowed(c.row.origins, proxy ? "github.com" : hit.sourceHost)) {
      return "origin";
    }
    return undefined;
  }

  /**
   * Rules keyed by the visitor and its address: dedupe window, per-visitor rate (counted in the
   * visitor's state, visitor-book.ts; a visitor the book could not keep has only the address
   * cap) and per-address rate. A hit refused by one rate uses up neither.
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
      this.dedupe.expire(now);
      // The visitor hash already covers the counter (and the day), so it keys without the id.
      const key = hit.page === "" ? visitor : `${visitor}\u0000${hit.page}`;
      if (this.dedupe.has(key, now)) return "dedupe";
      // A full table can't tell a repeat from a new visit: refused, not counted unchecked.
      if (!this.dedupe.mark(key, now + c.row.dedupeSeconds * 1000)) return "rate";
    }
    const capVisitor = !proxy && state.tracked;
    if (capVisitor) {
      const minute = Math.floor(now / 60_000);
      if (state.minute !== minute) {
        state.minute = minute;
        state.hits = 0;
      }
      if (state.hits >= this.opts.hitRatePerMinute) return "rate";
    }
    const limit = proxy ? this.opts.proxyHitRatePerMinute : this.opts.addressHitRatePerMinute;
    if (!this.addresses.take(hit.address, c.row.id, limit, now)) return "rate";
    if (capVisitor) state.hits++;
    return undefined;
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
