// What every request passes before its route: a per-address request rate (429 past
// REQUEST_RATE_PER_MINUTE) and the security headers every answer carries. HTML pages also get
// a strict Content-Security-Policy and may not be framed (htmlHeaders). CORS is not set here: only the
// public embed and JSON routes open it, each for itself.

import type { FastifyInstance, FastifyReply } from "fastify";
import { envelope } from "../errors.js";
import { IMAGE_PROXY } from "../ingest/classify.js";
import { WindowLimit } from "./limits.js";

/**
 * Image proxies (GitHub's camo) fetch every README badge from a few addresses, for all the
 * people viewing them: they get this many times the per-address rate.
 */
const PROXY_FACTOR = 50;
/** Monitoring must keep working while an address floods the server. */
const UNLIMITED = new Set(["/healthz", "/metrics"]);

export const HTML_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function guardRoutes(app: FastifyInstance, requestRatePerMinute: number, now: () => number): void {
  const requests = new WindowLimit(requestRatePerMinute, 60_000, now);
  const proxies = new WindowLimit(requestRatePerMinute * PROXY_FACTOR, 60_000, now);
  // Callback-style hooks: they run on every hit, and an async hook costs a promise each time.
  app.addHook("onRequest", (req, reply, done) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    if (UNLIMITED.has(req.url)) return done();
    const ua = req.headers["user-agent"];
    const limit = typeof ua === "string" && IMAGE_PROXY.test(ua) ? proxies : requests;
    if (limit.take(req.ip)) return done();
    reply.header("retry-after", String(limit.retryAfter()));
    reply
      .code(429)
      .send(envelope("rate_limited", `at most ${requestRatePerMinute} requests per minute from one address`));
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
