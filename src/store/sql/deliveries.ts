// The SQL of milestone webhooks both stores speak (store/milestones.ts): the owner's setting
// in counters.milestones and the outbox table deliveries.

import type { Delivery } from "../milestones.js";
import type { Placeholder } from "./vocabulary.js";

const COLUMNS = "id, counter_id, milestone, hits, at, attempts, status, last_error";

export interface RawDelivery {
  id: string;
  counter_id: string;
  milestone: number;
  hits: number;
  at: number;
  attempts: number;
  status: string;
  last_error: string | null;
}

export const toDelivery = (r: RawDelivery): Delivery => ({
  id: r.id,
  counterId: r.counter_id,
  milestone: Number(r.milestone),
  hits: Number(r.hits),
  at: Number(r.at),
  attempts: r.attempts,
  status: r.status as Delivery["status"],
  lastError: r.last_error,
});

export const getMilestonesQuery = (p: Placeholder) => `SELECT milestones FROM counters WHERE id = ${p(1)}`;
export const setMilestonesQuery = (p: Placeholder) => `UPDATE counters SET milestones = ${p(1)} WHERE id = ${p(2)}`;

/** Pending deliveries due at $1, at most $2, their lease moved to $3; `lock`: PostgreSQL's row locks. */
export const claimQuery = (p: Placeholder, lock = "") => `
  UPDATE deliveries SET next_at = ${p(3)} WHERE id IN (
    SELECT id FROM deliveries WHERE status = 'pending' AND next_at <= ${p(1)} ORDER BY next_at LIMIT ${p(2)} ${lock})
  RETURNING ${COLUMNS}`;

export const attemptedQuery = (p: Placeholder) =>
  `UPDATE deliveries SET status = ${p(1)}, last_error = ${p(2)}, next_at = ${p(3)}, attempts = attempts + 1 WHERE id = ${p(4)}`;

export const deliveriesOfQuery = (p: Placeholder) =>
  `SELECT ${COLUMNS} FROM deliveries WHERE counter_id = ${p(1)} ORDER BY at DESC, milestone DESC LIMIT ${p(2)}`;

export const deleteDeliveriesQuery = (p: Placeholder) => `DELETE FROM deliveries WHERE counter_id = ${p(1)}`;
