// What every request passes before its route: a per-address request rate (429 past
// REQUEST_RATE_PER_MINUTE; an IPv6 address counts by its /64) and the security headers every answer carries. HTML pages also get
// a strict Content-Security-Policy and may not be framed (htmlHeaders). CORS is not set here: only the
// public embed and JSON routes open it, each for itself. The embed routes, answered ahead of
// Fastify (embeds.ts), pass the same Guard.

import type { FastifyInstance, FastifyReply } from "fastify";
import { envelope } from "../errors.js";
import { addressKey } from "../ingest/client-address.js";
import type { ImageProxies } from "../ingest/image-proxy.js";
import { WindowLimit } from "../limits/window-limit.js";

/**
 * Real image proxies (GitHub's camo, from its published ranges) fetch every README badge from
 * a few addresses, for all the people viewing them: they get this many times the rate.
 */
const PROXY_FACTOR = 50;
/** Monitoring must keep working while an address floods the server. */
const UNLIMITED = new Set(["/healthz", "/metrics"]);

/** Headers on every answer, as name/value pairs. */
export const SECURITY_HEADERS: readonly [string, string][] = [
  ["x-content-type-options", "nosniff"],
  ["referrer-policy", "no-referrer"],
];

export const HTML_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The per-address request rate, shared by the Fastify routes and the embed routes. */
export class Guard {
  private readonly requests: WindowLimit;
  private readonly proxies: WindowLimit;
  /** The 429 body. */
  readonly refusal: ReturnType<typeof envelope>;

  constructor(requestRatePerMinute: number, now: () => number) {
    this.requests = new WindowLimit(requestRatePerMinute, 60_000, now);
    this.proxies = new WindowLimit(requestRatePerMinute * PROXY_FACTOR, 60_000, now);
    this.refusal = envelope("rate_limited", `at most ${requestRatePerMinute} requests per minute from one address`);
  }

  /**
   * Counts one request of the client whose address key (client-address.ts) is `address`; 0
   * when it may go on, else the seconds to wait (Retry-After). `proxy`: the request comes from
   * a real image proxy (image-proxy.ts), which fetches for many viewers.
   */
  admit(address: string, proxy: boolean): number {
    const limit = proxy ? this.proxies : this.requests;
    return limit.take(address) ? 0 : limit.retryAfter();
  }
}

export function guardRoutes(app: FastifyInstance, guard: Guard, proxies: ImageProxies): void {
  // Callback-style hooks: an async hook costs a promise on every request.
  app.addHook("onRequest", (req, reply, done) => {
    for (const [name, value] of SECURITY_HEADERS) reply.header(name, value);
    if (UNLIMITED.has(req.url)) return done();
    const ua = req.headers["user-agent"];
    const wait = guard.admit(addressKey(req.ip), proxies.is(ua, req.ip));
    if (wait === 0) return done();
    reply.header("retry-after", String(wait));
    reply.code(429).send(guard.refusal);
  });
}

/** Headers of every HTML page. */
export function htmlHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .type("text/html; charset=utf-8")
    .header("content-security-policy", HTML_CSP)
    .header("x-frame-options", "DENY")
    .header("cache-control", "no-cache");
}
