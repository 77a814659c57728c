// The embed routes: GET /c/{id}.svg|.png|.gif|.json. The hot path of the product: parse the
// options, build the Hit from headers, run the pipeline, answer with the picture.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { envelope } from "../errors.js";
import { type Hit, splitUrl } from "../ingest/hit.js";
import type { Pipeline } from "../ingest/pipeline.js";
import { badgeSvg } from "../render/badge.js";
import { digitsSvg } from "../render/digits.js";
import { parseOptions } from "../render/options.js";
import { NOT_FOUND_SVG, PIXEL_GIF } from "../render/pictures.js";
import { svgToPng } from "../render/png.js";
import { noStore, SVG_CSP, verdict } from "./embed-headers.js";
import { displayed, figuresJson } from "./figures.js";
import { HOT_ROUTE } from "./hot-route.js";

const EXTENSIONS = new Set(["svg", "png", "gif", "json"]);

/** Builds the Hit of an image embed: the page comes from the Referer header. */
export function imageHit(req: FastifyRequest, counterId: string): Hit {
  const h = req.headers;
  const referer = typeof h.referer === "string" ? h.referer : undefined;
  const [refHost, page] = splitUrl(referer);
  const origin = typeof h.origin === "string" ? splitUrl(h.origin)[0] : "";
  return {
    counterId,
    ip: req.ip,
    userAgent: typeof h["user-agent"] === "string" ? h["user-agent"] : "",
    sourceHost: origin || refHost,
    page,
    referrerHost: "",
    referrerUrl: "",
    privacySignal: h.dnt === "1" || h["sec-gpc"] === "1",
  };
}

function notFound(reply: FastifyReply, ext: string) {
  noStore(reply);
  reply.code(404);
  if (ext === "json") return reply.send(envelope("not_found", "counter not found"));
  if (ext === "gif") return reply.type("image/gif").send(PIXEL_GIF);
  const svg = NOT_FOUND_SVG;
  if (ext === "png") return reply.type("image/png").send(svgToPng(svg));
  return reply.header("content-security-policy", SVG_CSP).type("image/svg+xml; charset=utf-8").send(svg);
}

export function embedRoutes(app: FastifyInstance, pipeline: Pipeline, now: () => number): void {
  app.get<{ Params: { file: string }; Querystring: Record<string, unknown> }>(
    "/c/:file",
    HOT_ROUTE,
    async (req, reply) => {
      const file = req.params.file;
      const dot = file.lastIndexOf(".");
      const ext = dot > 0 ? file.slice(dot + 1) : "";
      if (!EXTENSIONS.has(ext)) {
        reply.code(404);
        return envelope("not_found", "embeds are /c/{id}.svg, .png, .gif or .json");
      }
      const id = file.slice(0, dot);
      if (ext === "json") reply.header("access-control-allow-origin", "*");
      const opts = parseOptions(req.query);
      const outcome = await pipeline.record(imageHit(req, id), opts.count);
      if (!outcome) return notFound(reply, ext);
      noStore(reply);
      verdict(reply, outcome);
      const live = outcome.live;
      if (ext === "json") return figuresJson(live, now());
      if (ext === "gif") return reply.type("image/gif").send(PIXEL_GIF);
      const shown = displayed(live, outcome, opts, now());
      const svg =
        opts.style === "digits"
          ? digitsSvg(shown.value, opts.digits, opts.theme)
          : badgeSvg(opts, opts.label ?? live.row.label, shown.text);
      if (ext === "png") return reply.type("image/png").send(svgToPng(svg));
      return reply.header("content-security-policy", SVG_CSP).type("image/svg+xml; charset=utf-8").send(svg);
    },
  );
}
