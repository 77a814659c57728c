// GET /healthz and GET /metrics (Prometheus text format).

import type { FastifyInstance } from "fastify";
import type { Metrics } from "../observability/metrics.js";
import type { Store } from "../store/store.js";

/** /healthz answers 200 while the server works; "degraded" lists what went wrong meanwhile. */
export function healthRoutes(app: FastifyInstance, metrics: Metrics, store: Store): void {
  app.get("/healthz", async () => {
    const { problems } = store.health();
    return problems.length === 0
      ? { ok: true, store: store.kind }
      : { ok: true, store: store.kind, degraded: problems };
  });
  app.get("/metrics", async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
