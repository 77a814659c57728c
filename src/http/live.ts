// GET /c/{id}/live: the live counter, a Server-Sent Events stream of the counter's figures
// (live/hub.ts). Counts nothing; open to every origin, like the JSON embed.

import type { FastifyInstance } from "fastify";
import type { Registry } from "../counters/registry.js";
import { envelope, notFound } from "../errors.js";
import { addressKey } from "../ingest/client-address.js";
import type { LiveHub, Refusal } from "../live/hub.js";
import { idParams } from "./counters-api.js";

const REFUSED: Record<Refusal, string> = {
  total: "this server holds as many live streams as it allows (LIVE_MAX): try again later",
  counter: "this counter has as many live streams as a counter may have (LIVE_MAX_PER_COUNTER)",
  address: "too many live streams from one address",
};

export function liveRoutes(http: FastifyInstance, deps: { registry: Registry; hub: LiveHub }) {
  http.get<{ Params: { id: string } }>("/c/:id/live", { schema: { params: idParams } }, async (req, reply) => {
    reply.header("access-control-allow-origin", "*");
    const c = await deps.registry.get(req.params.id);
    if (!c) throw notFound();
    const address = addressKey(req.ip);
    const refused = deps.hub.refusal(c.row.id, address);
    if (refused) {
      reply.header("retry-after", "30");
      return reply.code(503).send(envelope("busy", REFUSED[refused]));
    }
    // The stream is written by the hub from here on, outside Fastify's reply.
    reply.hijack();
    deps.hub.subscribe(c, reply.raw, address);
  });
}
