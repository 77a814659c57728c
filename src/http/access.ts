// Who may see what: the owner (Bearer token of that counter) may read and change it; anyone may
// read the stats of a public counter; nobody else learns anything, and every failure kind gets
// the same 401 so tokens and ids can't be probed apart.

import type { FastifyRequest } from "fastify";
import type { LiveCounter, Registry } from "../counters/registry.js";
import { tokenMatches } from "../counters/tokens.js";
import { notFound, unauthorized } from "../errors.js";

function bearer(req: FastifyRequest): string {
  const auth = req.headers.authorization;
  return typeof auth === "string" && auth.startsWith("Bearer ") ? auth.slice(7).trim() : "";
}

async function load(registry: Registry, id: string): Promise<LiveCounter | undefined> {
  const found = registry.get(id);
  return found instanceof Promise ? await found : found;
}

/** The counter, if the request carries its admin token. */
export async function asOwner(registry: Registry, req: FastifyRequest<{ Params: { id: string } }>) {
  const token = bearer(req);
  if (!token) throw unauthorized();
  const live = await load(registry, req.params.id);
  if (!live) throw notFound();
  if (!tokenMatches(token, live.row.tokenHash)) throw unauthorized();
  return live;
}

/** The counter, if the request carries its token or the counter is public (and no wrong token). */
export async function asReader(registry: Registry, req: FastifyRequest<{ Params: { id: string } }>) {
  const token = bearer(req);
  const live = await load(registry, req.params.id);
  if (!live) throw notFound();
  if (token ? !tokenMatches(token, live.row.tokenHash) : !live.row.public) throw unauthorized();
  return { live, owner: token !== "" };
}
