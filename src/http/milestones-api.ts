// Milestone webhooks, the owner's side: set with PATCH /api/counters/{id} {"milestones": …}
// (the secret is in that answer once, when first made), read with
// GET /api/counters/{id}/milestones, which also lists the latest deliveries and their failures.

import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Registry } from "../counters/registry.js";
import type { SettingsInput } from "../counters/settings.js";
import type { Delivery, StoredMilestones } from "../store/milestones.js";
import type { Store } from "../store/store.js";
import { resolveTarget } from "../webhooks/target.js";
import { asOwner } from "./access.js";
import { idParams } from "./counters-api.js";

/** The setting as the owner sees it: never the secret. */
const view = (m: StoredMilestones | undefined) => (m ? { url: m.url, at: m.at, every: m.every } : null);

const deliveryView = (d: Delivery) => ({
  id: d.id,
  milestone: d.milestone,
  hits: d.hits,
  at: new Date(d.at).toISOString(),
  status: d.status,
  attempts: d.attempts,
  lastError: d.lastError,
});

/**
 * Applies PATCH's `milestones` (checked: http(s), a public address unless allowed). Answers
 * what the PATCH answer adds: the setting, and the secret when this call made it.
 */
export async function patchMilestones(
  store: Store,
  id: string,
  input: NonNullable<SettingsInput["milestones"]> | null,
  allowPrivate: boolean,
): Promise<{ milestones: ReturnType<typeof view>; webhookSecret?: string }> {
  if (input === null) {
    await store.setMilestones(id, undefined);
    return { milestones: null };
  }
  await resolveTarget(input.url, allowPrivate);
  const before = await store.getMilestones(id);
  const secret = before?.secret ?? randomBytes(24).toString("base64url");
  const at = [...new Set(input.at ?? [])].sort((a, b) => a - b);
  const m: StoredMilestones = { url: input.url, at, every: input.every ?? 0, secret };
  await store.setMilestones(id, m);
  return before ? { milestones: view(m) } : { milestones: view(m), webhookSecret: secret };
}

export function milestonesApiRoutes(app: FastifyInstance, deps: { store: Store; registry: Registry }): void {
  app.get<{ Params: { id: string } }>("/api/counters/:id/milestones", { schema: { params: idParams } }, async (req) => {
    const live = await asOwner(deps.registry, req);
    const [m, deliveries] = await Promise.all([
      deps.store.getMilestones(live.row.id),
      deps.store.deliveries(live.row.id, 50),
    ]);
    return { milestones: view(m), deliveries: deliveries.map(deliveryView) };
  });
}
