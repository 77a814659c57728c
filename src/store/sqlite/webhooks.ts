// Milestone webhooks on SQLite: the setting and the outbox (store/milestones.ts). Reads run on
// the store's connection, writes through the fold worker like every write. One process sends
// every delivery, so a claim needs no lease: nothing else could take the same rows.

import type Database from "better-sqlite3";
import { parseMilestones } from "../milestones.js";
import {
  attemptedQuery,
  deliveriesOfQuery,
  getMilestonesQuery,
  type RawDelivery,
  setMilestonesQuery,
  toDelivery,
} from "../sql/deliveries.js";
import { SQLITE_PARAM as P } from "../sql/vocabulary.js";
import type { Store } from "../store.js";
import type { WriteStatement } from "./fold-client.js";

const DUE = `SELECT id, counter_id, milestone, hits, at, attempts, status, last_error FROM deliveries
  WHERE status = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?`;

export function webhookMethods(
  db: Database.Database,
  write: (statements: WriteStatement[]) => Promise<unknown>,
): Pick<Store, "getMilestones" | "setMilestones" | "dueDeliveries" | "deliveryAttempted" | "deliveries"> {
  const q = {
    get: db.prepare(getMilestonesQuery(P)).pluck(),
    due: db.prepare(DUE),
    of: db.prepare(deliveriesOfQuery(P)),
  };
  return {
    async getMilestones(id) {
      return parseMilestones(q.get.get(id) as string | null | undefined);
    },
    async setMilestones(id, m) {
      await write([[setMilestonesQuery(P), [m ? JSON.stringify(m) : null, id]]]);
    },
    async dueDeliveries(now, _leaseMs, limit) {
      return (q.due.all(now, limit) as RawDelivery[]).map(toDelivery);
    },
    async deliveryAttempted(id, status, error, nextAt) {
      await write([[attemptedQuery(P), [status, error, nextAt, id]]]);
    },
    async deliveries(id, limit) {
      return (q.of.all(id, limit) as RawDelivery[]).map(toDelivery);
    },
  };
}
