// Bots by user-agent (isbot, cached per distinct user-agent): live hits (classify.ts) and
// imported access logs (imports/) follow the same rule.

import { isbot } from "isbot";
import { UaCache } from "./ua-cache.js";

/**
 * Command-line clients are fetches a person typed, not crawlers: counted (and rate-capped
 * like anyone), although isbot lists them.
 */
const BY_HAND = /^(curl|Wget|HTTPie|xh)\//;

export class BotCheck {
  private readonly cache = new UaCache((userAgent) => !BY_HAND.test(userAgent) && isbot(userAgent));

  /** An empty user-agent is a bot's. */
  is(userAgent: string): boolean {
    return userAgent === "" || this.cache.get(userAgent);
  }
}
