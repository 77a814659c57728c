// Milestone webhooks on PostgreSQL: the setting and the outbox (store/milestones.ts). Claims
// lock the rows they take (SKIP LOCKED) and move their lease, so two nodes never send one
// delivery at once.

import { parseMilestones } from "../milestones.js";
import {
  attemptedQuery,
  claimQuery,
  deliveriesOfQuery,
  getMilestonesQuery,
  type RawDelivery,
  setMilestonesQuery,
  toDelivery,
} from "../sql/deliveries.js";
import { POSTGRES_PARAM as P } from "../sql/vocabulary.js";
import type { Store } from "../store.js";
import type { Connection } from "./connection.js";

const CLAIM = claimQuery(P, "FOR UPDATE SKIP LOCKED");

export function webhookMethods(
  db: Connection,
): Pick<Store, "getMilestones" | "setMilestones" | "dueDeliveries" | "deliveryAttempted" | "deliveries"> {
  return {
    async getMilestones(id) {
      const [r] = await db.query<{ milestones: string | null }>(getMilestonesQuery(P), [id]);
      return parseMilestones(r?.milestones);
    },
    async setMilestones(id, m) {
      await db.query(setMilestonesQuery(P), [m ? JSON.stringify(m) : null, id]);
    },
    async dueDeliveries(now, leaseMs, limit) {
      return (await db.query<RawDelivery>(CLAIM, [now, limit, now + leaseMs])).map(toDelivery);
    },
    async deliveryAttempted(id, status, error, nextAt) {
      await db.query(attemptedQuery(P), [status, error, nextAt, id]);
    },
    async deliveries(id, limit) {
      return (await db.query<RawDelivery>(deliveriesOfQuery(P), [id, limit], db.reads)).map(toDelivery);
    },
  };
}
