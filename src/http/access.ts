// Who may see what: the owner (Bearer token of that counter) may read and change it; anyone may
// read the stats of a public counter; nobody else learns anything: an unknown id, a wrong token
// and a private counter all get the same 401, so ids and tokens can't be probed apart. A
// counter the operator blocked answers 403 to everyone.

import type { FastifyRequest } from "fastify";
import type { Registry } from "../counters/registry.js";
import { tokenMatches } from "../counters/tokens.js";
import { blockedCounter, unauthorized } from "../errors.js";

export function bearer(req: FastifyRequest): string {
  const auth = req.headers.authorization;
  return typeof auth === "string" && auth.startsWith("Bearer ") ? auth.slice(7).trim() : "";
}

/** The counter, if the request carries its admin token. */
export async function asOwner(registry: Registry, req: FastifyRequest<{ Params: { id: string } }>) {
  const token = bearer(req);
  if (!token) throw unauthorized();
  const live = await registry.get(req.params.id);
  if (!live || !tokenMatches(token, live.row.tokenHash)) throw unauthorized();
  if (live.row.blocked) throw blockedCounter();
  return live;
}

/** The counter, if the request carries its token or the counter is public (and no wrong token). */
export async function asReader(registry: Registry, req: FastifyRequest<{ Params: { id: string } }>) {
  const token = bearer(req);
  const live = await registry.get(req.params.id);
  if (!live) throw unauthorized();
  if (token ? !tokenMatches(token, live.row.tokenHash) : !live.row.public) throw unauthorized();
  if (live.row.blocked) throw blockedCounter();
  return { live, owner: token !== "" };
}
