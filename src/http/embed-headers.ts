// Headers every counting response carries: never cached by browsers or image proxies (GitHub's
// camo honours no-cache), and the counting verdict for people debugging their embed.

import type { FastifyReply } from "fastify";
import type { Outcome } from "../ingest/pipeline.js";

export function noStore(reply: FastifyReply): void {
  reply.header("cache-control", "no-cache, no-store, must-revalidate, max-age=0");
  reply.header("pragma", "no-cache");
  reply.header("expires", "0");
}

export function verdict(reply: FastifyReply, o: Outcome): void {
  reply.header("x-hit-counted", o.counted ? "1" : "0");
  if (o.reason) reply.header("x-hit-reason", o.reason);
}

/** SVG opened directly must not run scripts, even if escaping ever failed. */
export const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'";
