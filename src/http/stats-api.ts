// The stats behind the dashboard, read from the rollup tables the write batches keep (never
// from individual hits): a time series, totals, breakdowns and a CSV/JSON export. Owners read
// with their token; anyone may read a public counter's stats; a private one answers 401.

import type { FastifyInstance } from "fastify";
import { DIMENSIONS, type Dimension, isDimension } from "../counters/dimensions.js";
import type { LiveCounter, Registry } from "../counters/registry.js";
import { currentFigures } from "../counters/registry.js";
import { badRequest } from "../errors.js";
import type { Online } from "../live/online.js";
import type { SeriesPoint, Store } from "../store/store.js";
import { addDays, localBucket } from "../time/zone.js";
import { asReader } from "./access.js";
import { idParams } from "./counters-api.js";
import type { PastBreakdowns } from "./past-breakdowns.js";

export interface StatsDeps {
  store: Store;
  past: PastBreakdowns;
  registry: Registry;
  online: Online;
  now: () => number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_RANGE_DAYS = 731;
const MAX_LIMIT = 1000;

interface Range {
  from: string;
  to: string;
}

/** from/to in the counter's days; default the last 30 days. Refuses malformed or huge ranges. */
function range(live: LiveCounter, q: Record<string, unknown>, now: number): Range {
  const today = localBucket(live.row.timeZone, now).day;
  const from = q.from ?? addDays(today, -29);
  const to = q.to ?? today;
  for (const [name, v] of [
    ["from", from],
    ["to", to],
  ] as const) {
    if (typeof v !== "string" || !DAY.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) {
      throw badRequest("bad_range", `${name} must be a date YYYY-MM-DD`);
    }
  }
  const f = from as string;
  const t = to as string;
  if (f > t) throw badRequest("bad_range", "from must not be after to");
  if (addDays(f, MAX_RANGE_DAYS) < t) throw badRequest("bad_range", `a range spans at most ${MAX_RANGE_DAYS} days`);
  return { from: f, to: t };
}

function limitOf(q: Record<string, unknown>): number {
  if (q.limit === undefined) return 10;
  const n = Number(q.limit);
  if (typeof q.limit !== "string" || !Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw badRequest("bad_limit", `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return n;
}

/** Every bucket of the range, zeros where nothing was counted, so charts have no gaps. */
function filled(points: SeriesPoint[], buckets: string[]): SeriesPoint[] {
  const at = new Map(points.map((p) => [p.bucket, p]));
  return buckets.map((bucket) => at.get(bucket) ?? { bucket, hits: 0, visitors: 0 });
}

function days({ from, to }: Range): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

function hours(r: Range): string[] {
  return days(r).flatMap((d) => Array.from({ length: 24 }, (_, h) => `${d}T${String(h).padStart(2, "0")}`));
}

const sum = (ps: SeriesPoint[]) =>
  ps.reduce((s, p) => ({ hits: s.hits + p.hits, visitors: s.visitors + p.visitors }), { hits: 0, visitors: 0 });

async function breakdowns(deps: StatsDeps, live: LiveCounter, r: Range, limit: number, only?: Dimension) {
  const id = live.row.id;
  const today = localBucket(live.row.timeZone, deps.now()).day;
  // Shares are of all hits in the range (from the daily rollup), so they stay true when only
  // the top rows are listed.
  const total = sum(await deps.store.daily(id, r.from, r.to)).hits;
  const out: Partial<Record<Dimension, { value: string; hits: number; share: number }[]>> = {};
  for (const name of only ? [only] : (Object.keys(DIMENSIONS) as Dimension[])) {
    const rows = await deps.past.top(id, DIMENSIONS[name], r.from, r.to, today, limit);
    out[name] = rows.map((x) => ({ value: x.value, hits: x.hits, share: total ? x.hits / total : 0 }));
  }
  return out;
}

function csvCell(v: string | number): string {
  const s = String(v);
  // Quote always, and defuse spreadsheet formulas in values that came from visitors.
  return `"${(/^[=+\-@]/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"`;
}

export function statsApiRoutes(app: FastifyInstance, deps: StatsDeps): void {
  type Req = { Params: { id: string }; Querystring: Record<string, unknown> };

  app.get<Req>("/api/counters/:id/stats", { schema: { params: idParams } }, async (req) => {
    const { live } = await asReader(deps.registry, req);
    const now = deps.now();
    const r = range(live, req.query, now);
    const today = localBucket(live.row.timeZone, now).day;
    const byDay = filled(await deps.store.daily(live.row.id, r.from, r.to), days(r));
    const hourly = addDays(r.from, 1) >= r.to;
    const series = hourly
      ? filled(await deps.store.hourly(live.row.id, `${r.from}T00`, `${r.to}T23`), hours(r))
      : byDay;
    const last30 = await deps.store.daily(live.row.id, addDays(today, -29), today);
    const figures = currentFigures(live, now);
    return {
      id: live.row.id,
      label: live.row.label,
      timeZone: live.row.timeZone,
      public: live.row.public,
      from: r.from,
      to: r.to,
      granularity: hourly ? "hour" : "day",
      series,
      totals: {
        hits: figures.hits,
        visitors: figures.visitors,
        today: figures.today,
        last7: sum(last30.filter((p) => p.bucket >= addDays(today, -6))),
        last30: sum(last30),
        range: sum(byDay),
      },
      rightNow: { visitors: deps.online.count(live.row.id), minutes: 5 },
    };
  });

  app.get<Req>("/api/counters/:id/breakdowns", { schema: { params: idParams } }, async (req) => {
    const { live } = await asReader(deps.registry, req);
    const r = range(live, req.query, deps.now());
    const dim = req.query.dim;
    if (dim !== undefined && !isDimension(dim)) {
      throw badRequest("bad_dimension", `dim must be one of ${Object.keys(DIMENSIONS).join(", ")}`);
    }
    return { from: r.from, to: r.to, ...(await breakdowns(deps, live, r, limitOf(req.query), dim as Dimension)) };
  });

  app.get<Req & { Params: { id: string; format: string } }>(
    "/api/counters/:id/export.:format",
    // The format is checked below, for a message that names the two there are.
    {
      schema: {
        params: { ...idParams, properties: { ...idParams.properties, format: { type: "string", maxLength: 8 } } },
      },
    },
    async (req, reply) => {
      const format = (req.params as { format: string }).format;
      if (format !== "csv" && format !== "json") throw badRequest("bad_format", "export is .csv or .json");
      const { live } = await asReader(deps.registry, req);
      const r = range(live, req.query, deps.now());
      const daily = filled(await deps.store.daily(live.row.id, r.from, r.to), days(r));
      const parts = await breakdowns(deps, live, r, MAX_LIMIT);
      const name = `hitcounter-${live.row.id}-${r.from}-${r.to}`;
      reply.header("content-disposition", `attachment; filename="${name}.${format}"`);
      if (format === "json") return { id: live.row.id, from: r.from, to: r.to, daily, breakdowns: parts };
      const lines = ["date,hits,visitors", ...daily.map((p) => [p.bucket, p.hits, p.visitors].map(csvCell).join(","))];
      lines.push("", "dimension,value,hits,share");
      for (const [dim, rows] of Object.entries(parts)) {
        for (const x of rows ?? []) lines.push([dim, x.value, x.hits, x.share.toFixed(4)].map(csvCell).join(","));
      }
      return reply.type("text/csv; charset=utf-8").send(`${lines.join("\n")}\n`);
    },
  );
}
