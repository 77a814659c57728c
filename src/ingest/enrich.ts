// Breakdown values derived at hit time: browser, OS and device type from the user-agent
// (ua-parser-js, cached per distinct user-agent string) and country from the offline GeoIP
// database shipped in geoip-country. Only these derived values are kept, never the inputs.

import geoip from "geoip-country";
import { UAParser } from "ua-parser-js";
import { UaCache } from "./ua-cache.js";

export interface UaInfo {
  browser: string;
  os: string;
  device: string;
}

/**
 * One UaInfo per distinct (browser, OS, device): every visitor remembered (visitor-book.ts)
 * holds one, and with user-agents that differ only in a version they were 200,000 copies of a
 * few dozen values (48 bytes a visitor). At most 1,000 of them, a few dozen bytes each; past
 * that, a UaInfo is made for its user-agent alone.
 */
const MAX_UA_SHAPES = 1_000;
const shapes = new Map<string, UaInfo>();

function shared(browser: string, os: string, device: string): UaInfo {
  const key = `${browser}\u0000${os}\u0000${device}`;
  let info = shapes.get(key);
  if (!info) {
    info = { browser, os, device };
    if (shapes.size < MAX_UA_SHAPES) shapes.set(key, info);
  }
  return info;
}

const uaCache = new UaCache((userAgent) => {
  const r = new UAParser(userAgent).getResult();
  return shared(r.browser.name ?? "Other", r.os.name ?? "Other", r.device.type ?? "desktop");
});

/** Browser, OS and device type ("desktop", "mobile", "tablet", …) of a user-agent. */
export function uaInfo(userAgent: string): UaInfo {
  return uaCache.get(userAgent);
}

/** ISO country code of a public address, "" for private or unknown ones. */
export function country(ip: string): string {
  const r = geoip.lookup(ip.startsWith("::ffff:") ? ip.slice(7) : ip);
  return r?.country ?? "";
}
