// A request becomes a Hit here, once, for both hit routes (the image embeds and the script's
// POST /api/hit): where the hit came from, which page, whether it carries a privacy signal,
// whether it is a real image proxy, and the address key it is limited by. Text that will be
// stored (page, referrer) is cleaned of what no store should be asked to keep.

import type { IncomingHttpHeaders } from "node:http";
import { type Hit, splitUrl } from "../hit.js";
import { storable } from "../text/characters.js";
import { addressKey } from "./client-address.js";
import type { ImageProxies } from "./image-proxy.js";

export interface HitSource {
  counterId: string;
  ip: string;
  headers: IncomingHttpHeaders;
  /** The script embed's page and referrer; image embeds take the page from Referer. */
  script?: { path: string; referrer: string };
}

/** Builds the Hit of one request; `proxies` decides whether it is a real image proxy. */
export function buildHit(src: HitSource, proxies: ImageProxies): Hit {
  const h = src.headers;
  const ua = h["user-agent"] ?? "";
  const origin = h.origin ? splitUrl(h.origin)[0] : "";
  const [pageHost, refererPath] = splitUrl(h.referer);
  const sourceHost = storable(origin || pageHost);
  let page = refererPath;
  let referrerHost = "";
  let referrerUrl = "";
  if (src.script) {
    page = src.script.path;
    const [refHost, refPath] = splitUrl(src.script.referrer);
    // A visitor moving between pages of the same site is not a referral.
    if (refHost !== sourceHost && refHost !== "") {
      referrerHost = storable(refHost);
      referrerUrl = storable(`${refHost}${refPath}`);
    }
  }
  return {
    counterId: src.counterId,
    ip: src.ip,
    address: addressKey(src.ip),
    userAgent: ua,
    sourceHost,
    page: storable(page),
    referrerHost,
    referrerUrl,
    privacySignal: h.dnt === "1" || h["sec-gpc"] === "1",
    imageProxy: proxies.is(ua, src.ip),
  };
}
