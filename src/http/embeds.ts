// The embed routes: GET (and HEAD) /c/{id}.svg|.png|.gif|.json. The hot path of the product:
// parse the options, build the Hit from headers, run the pipeline, answer with the picture.
// Answered on node:http ahead of Fastify, by hand, because every embed hit takes this way:
// Fastify's request and reply objects, hook runner and reply pipeline were about a fifth of a
// hit's CPU (npm run bench). These requests pass the same Guard as Fastify's routes; anything
// that is not an embed request (another method, a deeper path) goes on to Fastify.

import type { IncomingMessage, ServerResponse } from "node:http";
import proxyAddr from "@fastify/proxy-addr";
import { parse as parseQuery } from "fast-querystring";
import { AppError, envelope } from "../errors.js";
import type { Hit } from "../hit.js";
import type { ImageProxies } from "../ingest/image-proxy.js";
import type { Pipeline } from "../ingest/pipeline.js";
import { buildHit } from "../ingest/request.js";
import type { Online } from "../live/online.js";
import { badgeSvg } from "../render/badge.js";
import { digitsSvg } from "../render/digits.js";
import { DEFAULT_OPTIONS, type DisplayOptions, parseOptions } from "../render/options.js";
import { NOT_FOUND_SVG, PIXEL_GIF } from "../render/pictures.js";
import type { PngRenderer } from "../render/png.js";
import { StoreUnavailable } from "../store/errors.js";
import { appendVerdict, NO_STORE, SVG_CSP } from "./embed-headers.js";
import { displayed, figuresJson } from "./figures.js";
import { type Guard, SECURITY_HEADERS } from "./guard.js";

const EXTENSIONS = new Set(["svg", "png", "gif", "json"]);
/** Longer ids are no counter's (ids are 10 characters); Fastify's router had the same bound. */
const MAX_FILE = 100;
const SVG_TYPE = "image/svg+xml; charset=utf-8";
const JSON_TYPE = "application/json; charset=utf-8";
/** The security and no-store headers, flat (name, value, …), built once rather than per answer. */
const EVERY_ANSWER: string[] = [...SECURITY_HEADERS, ...NO_STORE].flat();

export interface EmbedDeps {
  pipeline: Pipeline;
  guard: Guard;
  proxies: ImageProxies;
  pngs: PngRenderer;
  online: Online;
  /** TRUST_PROXY: whom to believe for X-Forwarded-For, as Fastify's trustProxy. */
  trustProxy: boolean | string[];
  /** True once the server is shutting down: new requests get 503, as Fastify answers them. */
  closing: () => boolean;
  /** Where a failure on the way is reported. */
  logError: (err: unknown) => void;
}

/**
 * The embed requests' handler: answers and returns true for GET/HEAD /c/{file}, returns false
 * (untouched) for anything else.
 */
export function embedHandler(deps: EmbedDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const trust =
    deps.trustProxy === false ? undefined : deps.trustProxy === true ? () => true : proxyAddr.compile(deps.trustProxy);
  const clientIp = (req: IncomingMessage) => (trust ? proxyAddr(req, trust) : (req.socket.remoteAddress ?? ""));

  return (req, res) => {
    const url = req.url as string;
    if (!url.startsWith("/c/") || (req.method !== "GET" && req.method !== "HEAD")) return false;
    const q = url.indexOf("?");
    const file = q < 0 ? url.slice(3) : url.slice(3, q);
    // Ids never need escaping: a '%' or '/' here is no embed, and Fastify answers 404.
    if (file.length > MAX_FILE || file.includes("/") || file.includes("%")) return false;
    answer(deps, req, res, clientIp(req), file, q < 0 ? "" : url.slice(q + 1)).catch((err) => {
      const down = err instanceof StoreUnavailable;
      if (!down) deps.logError(err);
      if (res.headersSent) res.destroy();
      else if (down) sendError(res, 503, envelope("unavailable", err.message), ["retry-after", "1"]);
      else send(res, 500, [], JSON_TYPE, JSON.stringify(envelope("internal", "internal error")));
    });
    return true;
  };
}

async function answer(
  deps: EmbedDeps,
  req: IncomingMessage,
  res: ServerResponse,
  ip: string,
  file: string,
  query: string,
) {
  if (deps.closing()) {
    return sendError(res, 503, envelope("unavailable", "the server is shutting down"), ["connection", "close"]);
  }
  const h = req.headers;
  const hit = buildHit({ counterId: "", ip, headers: h }, deps.proxies);
  // The Hit holds the address key already: the guard counts by it too.
  const wait = deps.guard.admit(hit.address, hit.imageProxy);
  if (wait > 0) return sendError(res, 429, deps.guard.refusal, ["retry-after", String(wait)]);
  const dot = file.lastIndexOf(".");
  const ext = dot > 0 ? file.slice(dot + 1) : "";
  if (!EXTENSIONS.has(ext)) {
    return sendError(res, 404, envelope("not_found", "embeds are /c/{id}.svg, .png, .gif or .json"));
  }
  const cors = ext === "json" ? ["access-control-allow-origin", "*"] : [];
  let opts: DisplayOptions;
  try {
    opts = query === "" ? DEFAULT_OPTIONS : parseOptions(parseQuery(query));
  } catch (err) {
    if (err instanceof AppError) return sendError(res, err.status, envelope(err.code, err.message), cors);
    throw err;
  }
  // PNG renders are capped: past the cap, refused before the hit is counted.
  if (ext === "png") {
    if (!deps.pngs.admit()) {
      return sendError(res, 503, PNG_BUSY, ["retry-after", "1"]);
    }
    try {
      return await picture(deps, req, res, hit, file.slice(0, dot), ext, opts, cors);
    } finally {
      deps.pngs.release();
    }
  }
  return picture(deps, req, res, hit, file.slice(0, dot), ext, opts, cors);
}

const PNG_BUSY = envelope("busy", "too many PNG pictures are being drawn right now: try again, or use the .svg");

/** Counts (or looks up) the hit and answers with its picture or figures. */
async function picture(
  deps: EmbedDeps,
  req: IncomingMessage,
  res: ServerResponse,
  hit: Hit,
  counterId: string,
  ext: string,
  opts: DisplayOptions,
  cors: string[],
) {
  // A HEAD request shows nobody a picture: link checkers, monitors and crawlers send it.
  const count = opts.count && req.method === "GET";
  hit.counterId = counterId;
  const outcome = await deps.pipeline.record(hit, count);
  if (!outcome) return notFound(deps, res, ext, cors);
  // `cors` is this request's own list: the verdict and later headers join it.
  const headers = appendVerdict(cors, outcome);
  const live = outcome.counter;
  if (ext === "json") return send(res, 200, headers, JSON_TYPE, JSON.stringify(figuresJson(outcome, deps.online)));
  if (ext === "gif") return send(res, 200, headers, "image/gif", PIXEL_GIF);
  const shown = displayed(outcome, opts, deps.online);
  const svg =
    opts.style === "digits"
      ? digitsSvg(shown.value, opts.digits, opts.theme)
      : badgeSvg(opts, opts.label ?? (opts.show === "online" ? "online" : live.row.label), shown.text);
  if (ext === "png") return send(res, 200, headers, "image/png", await deps.pngs.render(svg));
  headers.push("content-security-policy", SVG_CSP);
  return send(res, 200, headers, SVG_TYPE, svg, true);
}

async function notFound(deps: EmbedDeps, res: ServerResponse, ext: string, cors: string[]) {
  if (ext === "json") return sendError(res, 404, envelope("not_found", "counter not found"), cors);
  if (ext === "gif") return send(res, 404, [], "image/gif", PIXEL_GIF);
  if (ext === "png") return send(res, 404, [], "image/png", await deps.pngs.notFound());
  return send(res, 404, ["content-security-policy", SVG_CSP], SVG_TYPE, NOT_FOUND_SVG);
}

function sendError(res: ServerResponse, status: number, body: ReturnType<typeof envelope>, headers: string[] = []) {
  send(res, status, headers, JSON_TYPE, JSON.stringify(body));
}

/**
 * Writes a whole answer: the security and no-store headers every embed answer carries, then
 * `headers` (flat name, value list). One writeHead with the length known, so Node sends no
 * chunked framing; a HEAD request gets the headers only (Node drops the body). `ascii`: the
 * body is ASCII text, so its length is its byte length (the pictures are: badge.ts, digits.ts),
 * which spares a pass over it on every hit.
 */
function send(
  res: ServerResponse,
  status: number,
  headers: string[],
  type: string,
  body: string | Buffer,
  ascii = false,
): void {
  const bytes = ascii ? body.length : Buffer.byteLength(body);
  res.writeHead(status, EVERY_ANSWER.concat(headers, "content-type", type, "content-length", String(bytes)));
  res.end(body);
}
