// The operator's API for a public instance (/api/admin/…), on only when ADMIN_TOKEN is set:
// list counters by today's hits or by creation with the share of their hits refused and why,
// block a counter (its embeds show the picture without counting, reason "blocked"; its owner's
// calls answer 403), unblock it, delete it. Every action is logged with its time and target.

import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { changed, type Registry } from "../counters/registry.js";
import { hashToken, tokenMatches } from "../counters/tokens.js";
import { AppError, badRequest, notFound, unauthorized } from "../errors.js";
import type { Committer } from "../ingest/committer.js";
import type { Store } from "../store/store.js";
import { bearer } from "./access.js";
import { idParams } from "./counters-api.js";

export interface AdminDeps {
  /** ADMIN_TOKEN; undefined: every admin route answers 404. */
  adminToken: string | undefined;
  store: Store;
  registry: Registry;
  committer: Committer;
  past: { forget(id: string): void };
  now: () => number;
}

const MAX_LIST = 1000;

const listQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    sort: { type: "string", enum: ["hits_today", "created"] },
    // Query values are text (types are not coerced): a number of 1 to 4 digits, checked below.
    limit: { type: "string", pattern: "^[0-9]{1,4}$" },
  },
} as const;

export function adminApiRoutes(app: FastifyInstance, deps: AdminDeps): void {
  // Compared as counter tokens are: by hash, in constant time (counters/tokens.ts).
  const adminHash = deps.adminToken === undefined ? undefined : hashToken(deps.adminToken);
  const admitted = (req: FastifyRequest) => {
    if (adminHash === undefined) {
      throw new AppError(404, "admin_off", "the operator's API is off on this server (ADMIN_TOKEN is not set)");
    }
    const token = bearer(req);
    if (token === "" || !tokenMatches(token, adminHash)) throw unauthorized();
  };
  const audit = (req: FastifyRequest, action: string, target?: string) =>
    req.log.info({ admin: action, target, at: new Date(deps.now()).toISOString() }, `admin ${action}`);

  app.get<{ Querystring: { sort?: "hits_today" | "created"; limit?: string } }>(
    "/api/admin/counters",
    { schema: { querystring: listQuery } },
    async (req) => {
      admitted(req);
      const sort = req.query.sort ?? "hits_today";
      const limit = Number(req.query.limit ?? 50);
      if (limit < 1 || limit > MAX_LIST) throw badRequest("bad_limit", `limit must be from 1 to ${MAX_LIST}`);
      audit(req, "list");
      const now = deps.now();
      // "Today" is the UTC day here: one day for every counter, whatever its own time zone.
      const day = new Date(now).toISOString().slice(0, 10);
      const rows = await deps.store.listCounters(sort, day, limit);
      return {
        day,
        sort,
        counters: rows.map((r) => {
          const t = deps.registry.peek(r.id)?.tally.view(now);
          return {
            id: r.id,
            label: r.label,
            createdAt: new Date(r.createdAt).toISOString(),
            hits: r.hits,
            hitsToday: r.hitsToday,
            blocked: r.blocked,
            // This node's view of today's requests: hits it saw, and the share refused by reason.
            seenToday: t?.seen ?? 0,
            refused: t?.refused ?? {},
          };
        }),
      };
    },
  );

  const setBlocked = (blocked: boolean) => async (req: FastifyRequest<{ Params: { id: string } }>) => {
    admitted(req);
    const id = req.params.id;
    if (!(await deps.store.getCounter(id))) throw notFound();
    await deps.store.updateCounter(id, { blocked });
    const live = deps.registry.peek(id);
    if (live) changed(live, { blocked });
    audit(req, blocked ? "block" : "unblock", id);
    return { id, blocked };
  };
  app.post("/api/admin/counters/:id/block", { schema: { params: idParams } }, setBlocked(true));
  app.post("/api/admin/counters/:id/unblock", { schema: { params: idParams } }, setBlocked(false));

  app.delete<{ Params: { id: string } }>(
    "/api/admin/counters/:id",
    { schema: { params: idParams } },
    async (req, reply) => {
      admitted(req);
      const id = req.params.id;
      if (!(await deps.store.getCounter(id))) throw notFound();
      await deps.committer.flush();
      await deps.store.deleteCounter(id);
      deps.past.forget(id);
      deps.registry.drop(id);
      audit(req, "delete", id);
      return reply.code(204).send();
    },
  );

  // A consistent copy of the SQLite database, folded first (hitcounter backup FILE).
  app.get("/api/admin/backup", async (req, reply) => {
    admitted(req);
    const backup = deps.store.backup?.bind(deps.store);
    if (!backup) throw new AppError(404, "no_backup", "this store is PostgreSQL: back it up with pg_dump (README)");
    const dir = mkdtempSync(join(tmpdir(), "hitcounter-backup-"));
    const file = join(dir, "hitcounter.db");
    try {
      await backup(file);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    audit(req, "backup");
    const stream = createReadStream(file);
    stream.on("close", () => rmSync(dir, { recursive: true, force: true }));
    reply.header("content-type", "application/vnd.sqlite3");
    reply.header("content-disposition", 'attachment; filename="hitcounter.db"');
    reply.header("content-length", String(statSync(file).size));
    return reply.send(stream);
  });
}
