// Builds the HTTP app around a store without listening, so tests can drive it directly and
// main.ts can boot it. Owns the wiring of the hit path and its background timers.

import { createServer } from "node:http";
import Fastify, { type FastifyError, type FastifyInstance, LogController } from "fastify";
import type { Config } from "./config.js";
import { startRefresh } from "./counters/refresh.js";
import { Registry } from "./counters/registry.js";
import { AppError, envelope } from "./errors.js";
import { adminApiRoutes } from "./http/admin-api.js";
import { bodyDeadline } from "./http/body-deadline.js";
import { countersApiRoutes } from "./http/counters-api.js";
import { embedHandler } from "./http/embeds.js";
import { Guard, guardRoutes } from "./http/guard.js";
import { healthRoutes } from "./http/health.js";
import { hitApiRoutes } from "./http/hit-api.js";
import { importApiRoutes } from "./http/import-api.js";
import { liveRoutes } from "./http/live.js";
import { milestonesApiRoutes } from "./http/milestones-api.js";
import { openApiRoutes } from "./http/openapi.js";
import { PastBreakdowns } from "./http/past-breakdowns.js";
import { statsApiRoutes } from "./http/stats-api.js";
import { Classifier } from "./ingest/classify.js";
import { Committer } from "./ingest/committer.js";
import { ImageProxies } from "./ingest/image-proxy.js";
import { Pipeline } from "./ingest/pipeline.js";
import { RecentVisitors } from "./ingest/recent.js";
import { VisitorHasher } from "./ingest/visitor.js";
import { VisitorBook } from "./ingest/visitor-book.js";
import { LiveHub } from "./live/hub.js";
import { Online } from "./live/online.js";
import { burstLog } from "./observability/burst-log.js";
import { Metrics } from "./observability/metrics.js";
import { PngRenderer } from "./render/png.js";
import { StoreUnavailable } from "./store/errors.js";
import type { Store } from "./store/store.js";
import { webRoutes } from "./web/pages.js";
import { startDeliverer } from "./webhooks/deliverer.js";

export interface App {
  http: FastifyInstance;
  store: Store;
  registry: Registry;
  committer: Committer;
  salts: VisitorHasher;
  metrics: Metrics;
  /** Every Fastify route registered (method, URL): what /openapi.json must describe. */
  routes: { method: string; url: string }[];
}

export interface AppOptions {
  now?: () => number;
  /** Log to stdout at config.logLevel; tests pass false. */
  logger?: boolean;
}

const SALT_ROTATE_MS = 5 * 60_000;
export const BODY_LIMIT = 16 * 1024;

/**
 * @example const app = await buildApp(loadConfig([], {}), openSqlite({ dataDir: ":memory:" }));
 *          await app.http.inject({ url: "/healthz" });
 */
export async function buildApp(config: Config, store: Store, opts: AppOptions = {}): Promise<App> {
  const now = opts.now ?? Date.now;
  const metrics = new Metrics();
  const registry = new Registry(store, now);
  const salts = new VisitorHasher(store, now);
  await salts.rotate();
  const commitConcurrency = store.capabilities.commitConcurrency;
  // The server's logger exists only below; these report through it once it does.
  const warn = (message: string, err: unknown) => http.log.warn({ err }, message);
  const committer = new Committer(
    store,
    metrics,
    config.maxPendingHits,
    now,
    commitConcurrency,
    burstLog(warn, "a batch of hits could not be committed; its hits were answered unavailable"),
  );
  const classifier = new Classifier({
    hitRatePerMinute: config.hitRatePerMinute,
    addressHitRatePerMinute: config.addressHitRatePerMinute,
    proxyHitRatePerMinute: config.proxyHitRatePerMinute,
  });
  const proxies = new ImageProxies(config.imageProxyRanges);
  const pngs = new PngRenderer(config.pngRendersMax);
  const recent = new RecentVisitors(now);
  const online = new Online(recent, now);
  const pipeline = new Pipeline(registry, classifier, salts, committer, metrics, recent, new VisitorBook(), now);
  const guard = new Guard(config.requestRatePerMinute, now);
  let closing = false;
  const embeds = embedHandler({
    pipeline,
    guard,
    proxies,
    pngs,
    online,
    trustProxy: config.trustProxy,
    closing: () => closing,
    logError: (err) => http.log.error({ err }, "embed request failed"),
  });

  const http: FastifyInstance = Fastify({
    // The embed routes are answered before Fastify sees the request (see http/embeds.ts).
    serverFactory: (handler, opts) => {
      // Node checks the request and header timeouts every connectionsCheckingInterval: at its
      // default 30 s a slow client would hold its socket up to that much past its timeout.
      const deadline = bodyDeadline(config.requestTimeoutMs, () => metrics.timedOut.inc());
      const server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
        deadline(req, res);
        return embeds(req, res) || handler(req, res);
      });
      // Fastify sets these on the servers it makes, not on a factory's. Keep-alive stays at
      // Fastify's 72 s, outlasting the 60 s idle timeout of common load balancers.
      const o = opts as { keepAliveTimeout: number };
      server.keepAliveTimeout = o.keepAliveTimeout;
      // Headers must arrive within REQUEST_TIMEOUT_MS, and bodies by http/body-deadline.ts, so a
      // client that trickles its request can't hold a socket for ever; a socket silent for longer
      // than keep-alive plus that is closed; MAX_CONNECTIONS bounds sockets (file descriptors).
      server.requestTimeout = 0;
      server.headersTimeout = config.requestTimeoutMs;
      server.setTimeout(o.keepAliveTimeout + config.requestTimeoutMs);
      server.maxConnections = config.maxConnections;
      server.on("clientError", (err: NodeJS.ErrnoException) => {
        if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") metrics.timedOut.inc();
      });
      return server;
    },
    logger: opts.logger === false ? false : { level: config.logLevel },
    trustProxy: config.trustProxy,
    bodyLimit: BODY_LIMIT,
    // No route has a pattern parameter to guard, and /c/:id/live must not turn a long embed
    // path (/c/{101 characters}.svg, no embed) into a 414 rather than the 404 it is.
    routerOptions: { maxParamLength: 1000 },
    // Raw client addresses must not reach the log at the default level (see PRIVACY.md).
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  http.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (err instanceof AppError) return reply.code(err.status).send(envelope(err.code, err.message));
    if (err instanceof StoreUnavailable) return reply.code(503).send(envelope("unavailable", err.message));
    const status = err.statusCode ?? 500;
    if (err.validation) {
      const where = err.validationContext ?? "request";
      return reply.code(400).send(envelope("invalid_request", `${where}${err.message.replace(/^\w+/, "")}`));
    }
    if (status < 500) {
      const code = (err.code ?? "bad_request").replace(/^FST_ERR_/, "").toLowerCase();
      return reply.code(status).send(envelope(code, err.message));
    }
    req.log.error({ err }, "request failed");
    return reply.code(500).send(envelope("internal", "internal error"));
  });
  http.setNotFoundHandler((_req, reply) => reply.code(404).send(envelope("not_found", "no such route")));

  // First: it learns every route registered after it.
  const routes = await openApiRoutes(http);
  guardRoutes(http, guard, proxies);
  webRoutes(http);
  hitApiRoutes(http, pipeline, proxies, online);
  const hub = new LiveHub(registry, online, { total: config.liveMax, perCounter: config.liveMaxPerCounter }, now);
  liveRoutes(http, { registry, hub });
  const past = new PastBreakdowns(store);
  countersApiRoutes(http, {
    store,
    past,
    registry,
    committer,
    publicUrl: config.publicUrl,
    createRatePerHour: config.createRatePerHour,
    webhookAllowPrivate: config.webhookAllowPrivate,
    now,
  });
  milestonesApiRoutes(http, { store, registry });
  importApiRoutes(http, { store, registry, past, now });
  statsApiRoutes(http, { store, past, registry, online, now });
  adminApiRoutes(http, { adminToken: config.adminToken, store, registry, committer, past, now });
  healthRoutes(http, metrics, store);
  metrics.trackStoreHealth(() => store.health().lostRecords);

  const rotate = setInterval(() => {
    salts.rotate().catch((err) => http.log.warn({ err }, "salt rotation failed"));
  }, SALT_ROTATE_MS);
  rotate.unref();
  // One node on SQLite sees every hit itself; nodes sharing PostgreSQL re-read each other's.
  const stopRefresh = store.capabilities.sharedByNodes
    ? startRefresh(
        registry,
        store,
        config.refreshMs,
        now,
        (id) => past.forget(id),
        burstLog(warn, "refreshing the counters other nodes changed failed"),
      )
    : () => {};
  const stopOnline = online.startSharing(
    store,
    config.refreshMs,
    burstLog(warn, "sharing the visitors online with the other nodes failed"),
  );
  const stopDeliverer = startDeliverer(store, {
    allowPrivate: config.webhookAllowPrivate,
    retryMs: config.webhookRetryMs,
    now,
    report: burstLog(warn, "sending milestone webhooks failed (the store is away?); trying again"),
  });
  const statements = store.capabilities.statements;
  if (statements) metrics.trackStoreStatements(statements);

  // Shutdown order: stop accepting and finish in-flight requests (Fastify does that before
  // onClose), then commit what they counted, then close the store.
  http.addHook("preClose", (done) => {
    closing = true;
    // Streams never end by themselves: the server would wait for them for ever.
    hub.close();
    done();
  });
  http.addHook("onClose", async () => {
    clearInterval(rotate);
    stopRefresh();
    stopOnline();
    stopDeliverer();
    await committer.flush();
    await store.close();
    await pngs.close();
  });

  return { http, store, registry, committer, salts, metrics, routes };
}
