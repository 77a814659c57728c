// The API's description: GET /openapi.json (OpenAPI 3.1) and the reference page /docs/api.
// @fastify/swagger builds the Fastify routes' part from the schemas that validate their
// requests; the embed routes, answered by hand ahead of Fastify (embeds.ts), are described
// here, as are what no route schema says: the error envelope, the X-Hit-* headers and a
// summary per route. The reference page is Swagger UI, served from @fastify/swagger-ui's own
// files (no CDN).

import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import type { OpenAPIV3_1 } from "openapi-types";
import { DROP_REASONS } from "../hit.js";
import { BADGE_STYLES, DIGIT_THEMES, MAX_DIGITS, MAX_LABEL } from "../render/options.js";

export const DOCS_PREFIX = "/docs/api";

const ERROR = { $ref: "#/components/schemas/Error" };
const ERROR_BODY = { content: { "application/json": { schema: ERROR } } };
const errorAnswer = (description: string) => ({ description, content: { "application/json": { schema: ERROR } } });

const SUMMARIES: Record<string, string> = {
  "POST /api/counters": "Create a counter; the answer holds its admin token, shown once",
  "GET /api/counters/{id}": "A counter's settings and figures (owner)",
  "PATCH /api/counters/{id}": "Change a counter's settings or set its count (owner)",
  "DELETE /api/counters/{id}": "Delete a counter and everything counted for it (owner)",
  "POST /api/counters/{id}/reset": "Clear a counter's counts, keeping its settings (owner)",
  "POST /api/counters/{id}/token": "Replace the admin token (owner)",
  "DELETE /api/counters/{id}/breakdowns": "Remove one breakdown value on every day (owner)",
  "GET /api/counters/{id}/stats":
    "Totals, a series of hits and visitors, and visitors online (owner, or anyone if public)",
  "GET /api/counters/{id}/breakdowns": "Top pages, referrers, browsers, systems, devices, countries",
  "GET /api/counters/{id}/export.{format}": "The daily series as CSV or JSON",
  "POST /api/hit": "The script embed's hit: {counter, path, referrer} as text/plain JSON (no CORS preflight)",
  "GET /c/{id}/live": "The live counter: a Server-Sent Events stream of the figures (counts nothing)",
  "GET /counter.js": "The script embed",
  "GET /api/admin/counters": "The operator's list of counters (ADMIN_TOKEN)",
  "POST /api/admin/counters/{id}/block": "Block a counter (ADMIN_TOKEN)",
  "POST /api/admin/counters/{id}/unblock": "Unblock a counter (ADMIN_TOKEN)",
  "DELETE /api/admin/counters/{id}": "Delete any counter (ADMIN_TOKEN)",
  "GET /healthz": "Health: the store, and what went wrong meanwhile",
  "GET /metrics": "Prometheus metrics",
  "GET /": "The front page",
  "GET /dashboard/{id}": "A counter's dashboard (with the owner's token in #token=…)",
  "GET /stats/{id}": "A public counter's stats page",
  "GET /admin": "The operator's page",
  "GET /assets/{file}": "The pages' scripts and styles",
  "GET /openapi.json": "This description",
};

/** The verdict headers as JSON Schema (a Fastify route's response headers). */
const VERDICT_SCHEMAS = {
  "X-Hit-Counted": { type: "string", enum: ["0", "1"], description: "1 if this request was counted, else 0" },
  "X-Hit-Reason": { type: "string", enum: DROP_REASONS, description: "Why it was not counted" },
};
/** The same as OpenAPI header objects (the embed paths, written here as OpenAPI). */
const VERDICT_HEADERS = Object.fromEntries(
  Object.entries(VERDICT_SCHEMAS).map(([name, { description, ...schema }]) => [name, { description, schema }]),
);

const OPTION_PARAMS = [
  { name: "label", schema: { type: "string", maxLength: MAX_LABEL } },
  { name: "color", schema: { type: "string" }, description: "a colour name or hex (4c1, #44cc11)" },
  { name: "labelColor", schema: { type: "string" } },
  { name: "style", schema: { type: "string", enum: [...BADGE_STYLES, "digits"] } },
  { name: "show", schema: { type: "string", enum: ["total", "today", "both", "online"] } },
  { name: "theme", schema: { type: "string", enum: DIGIT_THEMES } },
  { name: "digits", schema: { type: "integer", minimum: 1, maximum: MAX_DIGITS } },
  { name: "count", schema: { type: "string", enum: ["true", "false", "1", "0"] }, description: "false: show only" },
  { name: "v", schema: { type: "string" }, description: "ignored (cache-busting)" },
  { name: "t", schema: { type: "string" }, description: "ignored (cache-busting)" },
].map((p) => ({ ...p, in: "query", required: false }));

const EMBEDS: [string, string, string][] = [
  ["svg", "image/svg+xml", "An SVG badge or digit counter; counts the hit"],
  ["png", "image/png", "The same picture as PNG; 503 with Retry-After when too many are being drawn"],
  ["gif", "image/gif", "An invisible 1x1 pixel; counts the hit"],
  ["json", "application/json", "The figures as JSON (CORS open); counts the hit"],
];

/** The embed routes (answered ahead of Fastify, so no route schema describes them). */
function embedPaths() {
  const paths: Record<string, unknown> = {};
  for (const [ext, type, summary] of EMBEDS) {
    const content = ext === "json" ? { schema: { $ref: "#/components/schemas/Figures" } } : {};
    const get = {
      summary,
      tags: ["embeds"],
      parameters: [
        { name: "id", in: "path", required: true, schema: { type: "string", maxLength: 32 } },
        ...(ext === "gif" || ext === "json" ? OPTION_PARAMS.filter((p) => p.name === "count") : OPTION_PARAMS),
      ],
      responses: {
        "200": {
          description: "Counted or shown (see X-Hit-Counted)",
          headers: VERDICT_HEADERS,
          content: { [type]: content },
        },
        "400": errorAnswer("A bad option, named in the message"),
        "404": { description: "No such counter (a 'not found' picture, or the error envelope for .json)" },
        "429": errorAnswer("Too many requests from this address"),
        "503": errorAnswer("Unavailable (store away, shutting down, or too many PNGs)"),
      },
    };
    paths[`/c/{id}.${ext}`] = {
      get,
      head: { ...get, summary: `${summary.split(";")[0]}, headers only: never counted` },
    };
  }
  return paths;
}

/** The reference page (its assets, under the same prefix, are @fastify/swagger-ui's). */
function docsPaths() {
  const page = { description: "The page", content: { "text/html": {} } };
  return { [DOCS_PREFIX]: { get: { summary: "This API's reference page (Swagger UI)", responses: { "200": page } } } };
}

/**
 * Registers the description and the reference page; call before any other route. Returns the
 * list of every route registered from then on (method and URL), which the tests hold the
 * description to.
 */
export async function openApiRoutes(http: FastifyInstance): Promise<{ method: string; url: string }[]> {
  const routes: { method: string; url: string }[] = [];
  http.addHook("onRoute", (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  await http.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "hitcounter",
        version: "0.1.0",
        description: "A self-hostable webpage hit counter: embeds, the live counter, the counters and stats API.",
      },
      components: {
        schemas: {
          Error: {
            type: "object",
            required: ["error"],
            properties: {
              error: {
                type: "object",
                required: ["code", "message"],
                properties: { code: { type: "string" }, message: { type: "string" } },
              },
            },
          },
          Figures: {
            type: "object",
            properties: {
              id: { type: "string" },
              hits: { type: "integer" },
              visitors: { type: "integer" },
              today: { type: "object", properties: { hits: { type: "integer" }, visitors: { type: "integer" } } },
              online: { type: "integer", description: "distinct visitors of the last five minutes" },
            },
          },
        },
        securitySchemes: {
          token: { type: "http", scheme: "bearer", description: "the counter's or the operator's token" },
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const path = url.replace(/:(\w+)/g, "{$1}");
      const methods = [route.method].flat();
      const out: Record<string, unknown> = { ...(schema as object) };
      out.summary = SUMMARIES[`${methods[0]} ${path}`];
      out.response = {
        ...((schema as { response?: object } | undefined)?.response ?? {}),
        "4XX": { description: "A client error, with a message", ...ERROR_BODY },
        "5XX": { description: "The store is away (503) or an internal error", ...ERROR_BODY },
      };
      if (path === "/api/hit") {
        const figures = { $ref: "#/components/schemas/Figures" };
        const ok = { description: "The figures, and whether this hit counted", headers: VERDICT_SCHEMAS, ...figures };
        out.response = { 200: ok, ...(out.response as object) };
      }
      return { schema: out, url };
    },
    transformObject: (doc) => {
      // The paths added are written as OpenAPI already; openapi-types can't check literals.
      const o = (doc as { openapiObject: OpenAPIV3_1.Document }).openapiObject;
      o.paths = {
        ...o.paths,
        ...(embedPaths() as OpenAPIV3_1.PathsObject),
        ...(docsPaths() as OpenAPIV3_1.PathsObject),
      };
      return o;
    },
  });
  await http.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: true });
  http.get("/openapi.json", async () => http.swagger());
  return routes;
}
