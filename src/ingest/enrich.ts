// Breakdown values derived at hit time: browser, OS and device type from the user-agent
// (ua-parser-js, cached per distinct user-agent string) and country from the offline GeoIP
// database shipped in geoip-country. Only these derived values are kept, never the inputs.

import geoip from "geoip-country";
import { UAParser } from "ua-parser-js";

export interface UaInfo {
  browser: string;
  os: string;
  device: string;
}

/**
 * Entries and the longest user-agent a cache keeps: 10,000 × 512 characters, 10 MB at most.
 * Real user-agents are under 300 characters; a longer one is parsed each time, not kept.
 */
export const MAX_UA_CACHE = 10_000;
export const MAX_CACHED_UA_LENGTH = 512;
const uaCache = new Map<string, UaInfo>();

/** Browser, OS and device type ("desktop", "mobile", "tablet", …) of a user-agent. */
export function uaInfo(userAgent: string): UaInfo {
  let info = uaCache.get(userAgent);
  if (!info) {
    const r = new UAParser(userAgent).getResult();
    info = {
      browser: r.browser.name ?? "Other",
      os: r.os.name ?? "Other",
      device: r.device.type ?? "desktop",
    };
    if (userAgent.length > MAX_CACHED_UA_LENGTH) return info;
    if (uaCache.size >= MAX_UA_CACHE) uaCache.clear();
    uaCache.set(userAgent, info);
  }
  return info;
}

/** ISO country code of a public address, "" for private or unknown ones. */
export function country(ip: string): string {
  const r = geoip.lookup(ip.startsWith("::ffff:") ? ip.slice(7) : ip);
  return r?.country ?? "";
}
