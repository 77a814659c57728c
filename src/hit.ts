// The validated, typed hit and why one is not counted: the words the HTTP routes, the hit path
// (ingest/) and the metrics (observability/) share, so none of them imports another for them.

/** Why a hit was answered but not counted; also the X-Hit-Reason header and a metrics label. */
export type DropReason = "bot" | "dedupe" | "origin" | "rate" | "privacy" | "unavailable" | "nocount" | "blocked";

export const DROP_REASONS: DropReason[] = [
  "bot",
  "dedupe",
  "origin",
  "rate",
  "privacy",
  "unavailable",
  "nocount",
  "blocked",
];

export interface Hit {
  counterId: string;
  /** Client address as the server trusts it (socket, or X-Forwarded-For with TRUST_PROXY). */
  ip: string;
  /** What the per-address limits key by: the address, or an IPv6 address's /64 (client-address.ts). */
  address: string;
  userAgent: string;
  /** Host the hit came from (Origin, else Referer), lower-case, or "" when none was sent. */
  sourceHost: string;
  /** Page path the hit is for, "" when unknown. */
  page: string;
  /** Host that referred the visitor to the page (script embed only), "" when none. */
  referrerHost: string;
  /**
   * The referring page as host + path, without scheme, query or fragment (queries carry
   * search terms and session ids), "" when none.
   */
  referrerUrl: string;
  /** DNT: 1 or Sec-GPC: 1 was sent. */
  privacySignal: boolean;
  /** Fetched by a real image proxy on behalf of a viewer (image-proxy.ts). */
  imageProxy: boolean;
}

export const MAX_PAGE_LENGTH = 256;
export const MAX_HOST_LENGTH = 253;

/**
 * Host and path of an absolute http(s) URL, without query or fragment; hand-written because
 * it runs on every image hit and `new URL()` costs several times more.
 * @example splitUrl("https://Example.com/a/b?q=1") -> ["example.com", "/a/b"]
 */
export function splitUrl(url: string | undefined): [host: string, path: string] {
  if (!url) return ["", ""];
  const scheme = url.indexOf("://");
  if (scheme < 0 || scheme > 8) return ["", ""];
  const start = scheme + 3;
  let end = start;
  while (end < url.length) {
    const ch = url.charCodeAt(end);
    if (ch === 47 /* / */ || ch === 63 /* ? */ || ch === 35 /* # */) break;
    end++;
  }
  let hostEnd = end;
  for (let i = start; i < end; i++) {
    if (url.charCodeAt(i) === 58 /* : */) {
      hostEnd = i;
      break;
    }
  }
  const at = url.lastIndexOf("@", hostEnd);
  const host = url.slice(at >= start ? at + 1 : start, hostEnd).toLowerCase();
  let pathEnd = end;
  while (pathEnd < url.length) {
    const ch = url.charCodeAt(pathEnd);
    if (ch === 63 || ch === 35) break;
    pathEnd++;
  }
  let path = url.slice(end, pathEnd) || "/";
  if (path.length > MAX_PAGE_LENGTH) path = path.slice(0, MAX_PAGE_LENGTH);
  return [host.length > MAX_HOST_LENGTH ? "" : host, path];
}
