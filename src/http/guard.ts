// What every request passes before its route: a per-address request rate (429 past
// REQUEST_RATE_PER_MINUTE) and the security headers every answer carries. HTML pages also get
// a strict Content-Security-Policy and may not be framed. CORS is not set here: only the
// public embed and JSON routes open it, each for itself.

import type { FastifyInstance } from "fastify";
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
  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    if (UNLIMITED.has(req.url)) return;
    const ua = req.headers["user-agent"];
    const limit = typeof ua === "string" && IMAGE_PROXY.test(ua) ? proxies : requests;
    if (!limit.take(req.ip)) {
      reply.header("retry-after", String(limit.retryAfter()));
      reply.code(429);
      return reply.send(
        envelope("rate_limited", `at most ${requestRatePerMinute} requests per minute from one address`),
      );
    }
  });
  app.addHook("onSend", async (_req, reply, payload) => {
    const type = reply.getHeader("content-type");
    if (typeof type === "string" && type.startsWith("text/html")) {
      reply.header("content-security-policy", HTML_CSP);
      reply.header("x-frame-options", "DENY");
    }
    return payload;
  });
}
