// Bots by user-agent (isbot, cached per distinct user-agent): live hits (classify.ts) and
// imported access logs (imports/) follow the same rule.

import { isbot } from "isbot";
import { MAX_CACHED_UA_LENGTH, MAX_UA_CACHE } from "./enrich.js";

/**
 * Command-line clients are fetches a person typed, not crawlers: counted (and rate-capped
 * like anyone), although isbot lists them.
 */
const BY_HAND = /^(curl|Wget|HTTPie|xh)\//;

export class BotCheck {
  private readonly cache = new Map<string, boolean>();

  /** An empty user-agent is a bot's. */
  is(userAgent: string): boolean {
    if (userAgent === "") return true;
    let bot = this.cache.get(userAgent);
    if (bot === undefined) {
      bot = !BY_HAND.test(userAgent) && isbot(userAgent);
      if (userAgent.length > MAX_CACHED_UA_LENGTH) return bot;
      if (this.cache.size >= MAX_UA_CACHE) this.cache.clear();
      this.cache.set(userAgent, bot);
    }
    return bot;
  }
}
