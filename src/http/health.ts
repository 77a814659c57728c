// GET /healthz and GET /metrics (Prometheus text format).

import type { FastifyInstance } from "fastify";
import type { Metrics } from "../observability/metrics.js";

export function healthRoutes(app: FastifyInstance, metrics: Metrics, storeKind: string): void {
  app.get("/healthz", async () => ({ ok: true, store: storeKind }));
  app.get("/metrics", async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
