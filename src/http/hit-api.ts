// POST /api/hit: the script embed's report (counter, page path, referrer), and GET /counter.js.
// The body arrives as text/plain JSON so browsers send it without a CORS preflight.

import type { FastifyInstance } from "fastify";
import { badRequest, envelope } from "../errors.js";
import { MAX_PAGE_LENGTH } from "../hit.js";
import type { ImageProxies } from "../ingest/image-proxy.js";
import type { Pipeline } from "../ingest/pipeline.js";
import { buildHit } from "../ingest/request.js";
import type { Online } from "../live/online.js";
import { COUNTER_JS } from "../render/script.js";
import { noStore, verdict } from "./embed-headers.js";
import { figuresJson } from "./figures.js";
import { HOT_ROUTE } from "./hot-route.js";

export interface HitBody {
  counter: string;
  path: string;
  referrer: string;
  count: boolean;
}

const MAX_PATH_INPUT = 2048;
const MAX_REFERRER_INPUT = 2048;

/** Validates the script's report; every problem is a 400 naming the field. */
export function parseHitBody(body: unknown): HitBody {
  let v: unknown = body;
  if (typeof v === "string" || Buffer.isBuffer(v)) {
    try {
      v = JSON.parse(String(v));
    } catch {
      throw badRequest("bad_json", "body must be JSON: {counter, path, referrer}");
    }
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw badRequest("bad_body", "body must be a JSON object: {counter, path, referrer}");
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== "counter" && k !== "path" && k !== "referrer" && k !== "count") {
      throw badRequest("bad_body", `unknown field "${k.slice(0, 32)}"`);
    }
  }
  if (typeof o.counter !== "string" || o.counter.length === 0 || o.counter.length > 32) {
    throw badRequest("bad_body", "counter must be a counter id");
  }
  const path = o.path ?? "/";
  if (typeof path !== "string" || !path.startsWith("/") || path.length > MAX_PATH_INPUT) {
    throw badRequest("bad_body", `path must start with "/" and be at most ${MAX_PATH_INPUT} characters`);
  }
  const referrer = o.referrer ?? "";
  if (typeof referrer !== "string" || referrer.length > MAX_REFERRER_INPUT) {
    throw badRequest("bad_body", `referrer must be a URL of at most ${MAX_REFERRER_INPUT} characters`);
  }
  const count = o.count ?? true;
  if (typeof count !== "boolean") throw badRequest("bad_body", "count must be true or false");
  const q = path.search(/[?#]/);
  return {
    counter: o.counter,
    path: (q >= 0 ? path.slice(0, q) : path).slice(0, MAX_PAGE_LENGTH),
    referrer,
    count,
  };
}

export function hitApiRoutes(app: FastifyInstance, pipeline: Pipeline, proxies: ImageProxies, online: Online): void {
  app.get("/counter.js", async (_req, reply) => {
    reply.header("cache-control", "public, max-age=3600");
    reply.header("access-control-allow-origin", "*");
    return reply.type("text/javascript; charset=utf-8").send(COUNTER_JS);
  });

  app.options("/api/hit", async (_req, reply) => {
    reply.header("access-control-allow-origin", "*");
    reply.header("access-control-allow-methods", "POST");
    reply.header("access-control-allow-headers", "content-type");
    reply.header("access-control-max-age", "86400");
    return reply.code(204).send();
  });

  app.post("/api/hit", HOT_ROUTE, async (req, reply) => {
    reply.header("access-control-allow-origin", "*");
    const body = parseHitBody(req.body);
    const hit = buildHit(
      {
        counterId: body.counter,
        ip: req.ip,
        headers: req.headers,
        script: { path: body.path, referrer: body.referrer },
      },
      proxies,
    );
    const outcome = await pipeline.record(hit, body.count);
    noStore(reply);
    if (!outcome) {
      reply.code(404);
      return envelope("not_found", "counter not found");
    }
    verdict(reply, outcome);
    return { ...figuresJson(outcome, online), counted: outcome.counted };
  });
}
