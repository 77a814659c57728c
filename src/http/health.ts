// GET /healthz and GET /metrics (Prometheus text format).

import type { FastifyInstance } from "fastify";
import type { Metrics } from "../observability/metrics.js";
import type { Store } from "../store/store.js";

/**
 * /healthz answers 200 while the server works; "degraded" lists what went wrong meanwhile, and
 * "foldLeader" (PostgreSQL) says whether this node folds the journal now.
 */
export function healthRoutes(app: FastifyInstance, metrics: Metrics, store: Store): void {
  app.get("/healthz", async () => {
    const { problems, foldLeader } = store.health();
    return {
      ok: true,
      store: store.kind,
      ...(foldLeader === undefined ? {} : { foldLeader }),
      ...(problems.length === 0 ? {} : { degraded: problems }),
    };
  });
  app.get("/metrics", async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
