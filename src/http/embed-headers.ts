// Headers every counting response carries: never cached by browsers or image proxies (GitHub's
// camo honours no-cache), and the counting verdict for people debugging their embed.

import type { FastifyReply } from "fastify";
import type { Outcome } from "../ingest/pipeline.js";

/** As name/value pairs, for the embed routes that write their headers themselves. */
export const NO_STORE: readonly [string, string][] = [
  ["cache-control", "no-cache, no-store, must-revalidate, max-age=0"],
  ["pragma", "no-cache"],
  ["expires", "0"],
];

export function noStore(reply: FastifyReply): void {
  for (const [name, value] of NO_STORE) reply.header(name, value);
}

const COUNTED = "x-hit-counted";
const REASON = "x-hit-reason";

/** Appends the verdict to a flat name, value list (the embed routes write their own headers). */
export function appendVerdict(headers: string[], o: Outcome): string[] {
  headers.push(COUNTED, o.counted ? "1" : "0");
  if (o.reason) headers.push(REASON, o.reason);
  return headers;
}

export function verdict(reply: FastifyReply, o: Outcome): void {
  reply.header(COUNTED, o.counted ? "1" : "0");
  if (o.reason) reply.header(REASON, o.reason);
}

/** SVG opened directly must not run scripts, even if escaping ever failed. */
export const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'";
