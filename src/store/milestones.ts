// Milestones, as the stores keep them: the owner's setting (a counters column, JSON, with the
// webhook secret) and the outbox of deliveries. Both stores' folds call crossings() with each
// counter's hits before and after the fold and record a delivery per milestone crossed in the
// same transaction as the hits that crossed it: a crossing committed is delivered even after a
// kill -9, and one never committed is never recorded. webhooks/ sends them.

import { randomUUID } from "node:crypto";

/** What the owner sets (PATCH milestones). */
export interface MilestoneSpec {
  url: string;
  /** Single milestones. */
  at: number[];
  /** Every multiple of this (0: none). */
  every: number;
}

export interface StoredMilestones extends MilestoneSpec {
  /** The HMAC key of the signatures (shown to the owner once). */
  secret: string;
}

/** A delivery in the outbox. */
export interface Delivery {
  id: string;
  counterId: string;
  milestone: number;
  /** The count right after the fold that crossed it. */
  hits: number;
  /** When it was crossed (ms). */
  at: number;
  attempts: number;
  status: "pending" | "delivered" | "failed";
  lastError: string | null;
}

/** Deliveries at most per counter per fold (the highest kept): a jump past many can't flood. */
export const MAX_CROSSINGS = 10;

export function parseMilestones(raw: string | null | undefined): StoredMilestones | undefined {
  if (!raw) return undefined;
  return JSON.parse(raw) as StoredMilestones;
}

/** Milestones m with before < m <= after, ascending, at most MAX_CROSSINGS (the highest). */
export function crossed(spec: { at: number[]; every: number }, before: number, after: number): number[] {
  if (after <= before) return [];
  const out = new Set<number>();
  for (const m of spec.at) if (m > before && m <= after) out.add(m);
  if (spec.every > 0) {
    // From the top down, so a huge jump costs MAX_CROSSINGS steps, not (after - before) / every.
    let m = Math.floor(after / spec.every) * spec.every;
    for (let n = 0; m > before && n < MAX_CROSSINGS; m -= spec.every, n++) out.add(m);
  }
  return [...out].sort((a, b) => a - b).slice(-MAX_CROSSINGS);
}

/** The outbox rows of a fold, as parallel columns: id, counter, milestone, hits, at. */
export interface OutboxRows {
  ids: string[];
  counters: string[];
  milestones: number[];
  hits: number[];
  at: number[];
}

/**
 * The deliveries a fold records: for each counter with milestones, those its hits crossed.
 * `counters` yields (id, hits before the fold, hits the fold adds, the stored setting).
 */
export function crossings(
  counters: Iterable<{ id: string; before: number; added: number; milestones: string | null }>,
  now: number,
): OutboxRows {
  const rows: OutboxRows = { ids: [], counters: [], milestones: [], hits: [], at: [] };
  for (const c of counters) {
    const spec = parseMilestones(c.milestones);
    if (!spec) continue;
    for (const m of crossed(spec, c.before, c.before + c.added)) {
      rows.ids.push(randomUUID());
      rows.counters.push(c.id);
      rows.milestones.push(m);
      rows.hits.push(c.before + c.added);
      rows.at.push(now);
    }
  }
  return rows;
}

/** The webhook's JSON body. */
export function deliveryBody(d: Delivery, label: string): string {
  return JSON.stringify({
    counter: d.counterId,
    label,
    milestone: d.milestone,
    hits: d.hits,
    at: new Date(d.at).toISOString(),
  });
}
