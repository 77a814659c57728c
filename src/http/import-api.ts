// POST /api/counters/{id}/import?format=goatcounter|log|csv: an owner's history brought in
// (imports/). The body is read as a stream of any size (gzip or plain) and never held whole;
// once read, its figures are stored in one transaction with its key (the file's SHA-256, or
// ?key=), so the same file imported twice is refused with 409 and never counted twice. Answers
// {read, imported, skipped: {reason: n}, errors: [{line, reason}], key}.

import type { FastifyInstance } from "fastify";
import { takeStored } from "../counters/refresh.js";
import type { Registry } from "../counters/registry.js";
import { AppError } from "../errors.js";
import { FORMATS, type ImportFormat, readImport } from "../imports/run.js";
import type { Store } from "../store/store.js";
import { asOwner } from "./access.js";
import { idParams } from "./counters-api.js";

interface ImportQuery {
  format: ImportFormat;
  key?: string;
  site?: string;
  static?: "0" | "1";
}

const querystring = {
  type: "object",
  additionalProperties: false,
  required: ["format"],
  properties: {
    format: { type: "string", enum: FORMATS },
    /** An idempotency key of the caller's own (hitcounter follow sends the log's position). */
    key: { type: "string", minLength: 1, maxLength: 200 },
    /** The site's own host: its referrals are moves within the site (log). */
    site: { type: "string", maxLength: 253 },
    /** 1: count static assets too (log). */
    static: { type: "string", enum: ["0", "1"] },
  },
} as const;

export interface ImportDeps {
  store: Store;
  registry: Registry;
  past: { forget(id: string): void };
  now: () => number;
}

/** Imports read at once per node: each holds its tally (up to about 120 MB: imports/tally.ts). */
export const MAX_IMPORTS = 2;

export function importApiRoutes(app: FastifyInstance, deps: ImportDeps): void {
  let running = 0;
  app.register(async (scope) => {
    // Any content type; the handler reads the body itself, as a stream.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_req, _payload, done) => done(null, undefined));
    scope.post<{ Params: { id: string }; Querystring: ImportQuery }>(
      "/api/counters/:id/import",
      { schema: { params: idParams, querystring } },
      async (req, reply) => {
        const live = await asOwner(deps.registry, req);
        const q = req.query;
        const rules = { static: q.static === "1", site: (q.site ?? "").toLowerCase() };
        if (running >= MAX_IMPORTS) {
          reply.header("retry-after", "10");
          throw new AppError(
            503,
            "busy",
            `this server reads at most ${MAX_IMPORTS} imports at once: try again shortly`,
          );
        }
        running++;
        let read: Awaited<ReturnType<typeof readImport>>;
        try {
          read = await readImport(req.raw, q.format, live.row.timeZone, rules);
        } finally {
          running--;
        }
        const { summary, delta, digest } = read;
        if (summary.read === 0) throw new AppError(400, "empty_import", "the body holds no rows to import");
        const key = q.key ?? `sha256:${digest}`;
        if (!(await deps.store.importRollups(live.row.id, key, delta))) {
          reply.code(409);
          return {
            error: {
              code: "already_imported",
              message: `this ${q.key ? "key" : "file"} was imported into the counter before`,
            },
            key,
          };
        }
        deps.past.forget(live.row.id);
        await takeStored(deps.store, live, deps.now);
        return { ...summary, key };
      },
    );
  });
}
