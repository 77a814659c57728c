// The counter management API: create (no account needed), read, change, reset, delete, rotate
// the token, delete a breakdown value. Everything but create needs the counter's admin token
// (Authorization: Bearer TOKEN). Create takes only content-type: application/json, which a
// page on another site can't send without a CORS preflight (which it does not get): a
// cross-site form or no-cors fetch can't create counters through its visitors' browsers.

import type { FastifyInstance, FastifyRequest } from "fastify";
import { DIMENSIONS, isDimension } from "../counters/dimensions.js";
import { takeStored } from "../counters/refresh.js";
import type { Registry } from "../counters/registry.js";
import { changed, currentFigures } from "../counters/registry.js";
import {
  checkSettings,
  createSchema,
  DEFAULT_SETTINGS,
  newCounterRow,
  patchSchema,
  type SettingsInput,
} from "../counters/settings.js";
import { snippets } from "../counters/snippets.js";
import { hashToken, newId, newToken } from "../counters/tokens.js";
import { AppError, badRequest, tooMany } from "../errors.js";
import type { Committer } from "../ingest/committer.js";
import { WindowLimit } from "../limits/window-limit.js";
import type { CounterRow, Store } from "../store/store.js";
import { asOwner } from "./access.js";
import { patchMilestones } from "./milestones-api.js";

export interface CountersDeps {
  store: Store;
  /** Cached breakdowns of ended days; a reset or delete must forget them. */
  past: { forget(id: string): void };
  registry: Registry;
  committer: Committer;
  publicUrl: string | undefined;
  createRatePerHour: number;
  webhookAllowPrivate: boolean;
  now: () => number;
}

export const idParams = {
  type: "object",
  properties: { id: { type: "string", maxLength: 32 } },
  required: ["id"],
} as const;

export function baseUrl(req: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ? publicUrl.replace(/\/$/, "") : `${req.protocol}://${req.host}`;
}

export function counterView(c: CounterRow, figures: ReturnType<typeof currentFigures>) {
  return {
    id: c.id,
    label: c.label,
    origins: c.origins,
    public: c.public,
    timeZone: c.timeZone,
    dedupeSeconds: c.dedupeSeconds,
    show: c.show,
    honorPrivacySignals: c.honorPrivacySignals,
    createdAt: new Date(c.createdAt).toISOString(),
    blocked: c.blocked,
    ...figures,
  };
}

export function countersApiRoutes(app: FastifyInstance, deps: CountersDeps): void {
  const creations = new WindowLimit(deps.createRatePerHour, 3_600_000, deps.now);

  const owned = (req: FastifyRequest<{ Params: { id: string } }>) => asOwner(deps.registry, req);

  app.post<{ Body: SettingsInput | undefined }>(
    "/api/counters",
    {
      schema: { body: createSchema },
      onRequest: (req, _reply, done) => {
        const type = req.headers["content-type"] ?? "";
        if (/^application\/json\s*(;|$)/i.test(type)) return done();
        done(new AppError(415, "unsupported_media_type", "send the settings as JSON: content-type: application/json"));
      },
      // `{}` or no body at all creates a counter with the defaults.
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
    },
    async (req, reply) => {
      const input = req.body ?? {};
      // Checked first: a refused request creates nothing, so it uses up none of the allowance.
      const settings = checkSettings(input);
      if (!creations.take(req.ip)) {
        reply.header("retry-after", String(creations.retryAfter()));
        throw tooMany(`at most ${deps.createRatePerHour} counters per hour from one address`);
      }
      const token = newToken();
      const row = newCounterRow(
        { ...DEFAULT_SETTINGS, ...settings },
        { id: newId(), tokenHash: hashToken(token), createdAt: deps.now(), hits: input.start ?? 0 },
      );
      await deps.store.createCounter(row);
      deps.registry.add(row);
      reply.code(201);
      return { id: row.id, token, embeds: snippets(baseUrl(req, deps.publicUrl), row.id, row.label) };
    },
  );

  app.get<{ Params: { id: string } }>("/api/counters/:id", { schema: { params: idParams } }, async (req) => {
    const live = await owned(req);
    return counterView(live.row, currentFigures(live, deps.now()));
  });

  app.patch<{ Params: { id: string }; Body: SettingsInput }>(
    "/api/counters/:id",
    { schema: { params: idParams, body: patchSchema } },
    async (req) => {
      const live = await owned(req);
      const settings = checkSettings(req.body);
      // Checked (and its address resolved) before anything is changed: a refusal changes nothing.
      const webhook =
        req.body.milestones === undefined
          ? undefined
          : await patchMilestones(deps.store, live.row.id, req.body.milestones, deps.webhookAllowPrivate);
      await deps.store.updateCounter(live.row.id, settings);
      changed(live, settings);
      const count = req.body.count ?? req.body.start;
      if (count !== undefined) {
        // Hits accepted before the change commit first, so the new count is exactly `count`.
        await deps.committer.flush();
        await deps.store.setHits(live.row.id, count);
        await takeStored(deps.store, live, deps.now);
      }
      return { ...counterView(live.row, currentFigures(live, deps.now())), ...webhook };
    },
  );

  app.post<{ Params: { id: string } }>("/api/counters/:id/reset", { schema: { params: idParams } }, async (req) => {
    const live = await owned(req);
    await deps.committer.flush();
    await deps.store.resetCounter(live.row.id);
    deps.past.forget(live.row.id);
    await takeStored(deps.store, live, deps.now);
    return counterView(live.row, currentFigures(live, deps.now()));
  });

  app.post<{ Params: { id: string } }>("/api/counters/:id/token", { schema: { params: idParams } }, async (req) => {
    const live = await owned(req);
    const token = newToken();
    const tokenHash = hashToken(token);
    await deps.store.updateCounter(live.row.id, { tokenHash });
    // Other nodes see the new hash with the revision the change raised (counters/refresh.ts).
    changed(live, { tokenHash });
    return { id: live.row.id, token };
  });

  app.delete<{ Params: { id: string }; Querystring: { dim: string; value: string } }>(
    "/api/counters/:id/breakdowns",
    {
      schema: {
        params: idParams,
        querystring: {
          type: "object",
          properties: { dim: { type: "string", maxLength: 32 }, value: { type: "string", maxLength: 4096 } },
          required: ["dim", "value"],
        },
      },
    },
    async (req, reply) => {
      const live = await owned(req);
      const { dim, value } = req.query;
      if (!isDimension(dim)) {
        throw badRequest("bad_dimension", `dim must be one of ${Object.keys(DIMENSIONS).join(", ")}`);
      }
      // Hits of the value accepted before the call go with it.
      await deps.committer.flush();
      await deps.store.deleteBreakdownValue(live.row.id, DIMENSIONS[dim], value);
      deps.past.forget(live.row.id);
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: { id: string } }>("/api/counters/:id", { schema: { params: idParams } }, async (req, reply) => {
    const live = await owned(req);
    await deps.committer.flush();
    await deps.store.deleteCounter(live.row.id);
    deps.past.forget(live.row.id);
    deps.registry.drop(live.row.id);
    return reply.code(204).send();
  });
}

/**
 * After a set count or reset, the counter shows what the store now holds: the new figures plus
 * any hits committed while the change was being made.
 */
