// Sends the outbox (store/milestones.ts): every second, claims the deliveries due, POSTs each
// as JSON signed with the counter's secret (X-Hitcounter-Signature: sha256=HMAC of the body)
// and with its id (X-Hitcounter-Delivery, the same on every retry, for receivers to drop
// repeats), and records the outcome. A failure is retried after WEBHOOK_RETRY_MS, doubling up
// to an hour, for 24 hours after the crossing; then the delivery is marked failed, which the
// dashboard shows. A delivery is sent at least once: a node killed between the receiver's
// answer and the record sends it again, with the same id.

import { createHmac } from "node:crypto";
import { type Delivery, deliveryBody } from "../store/milestones.js";
import type { Store } from "../store/store.js";
import { post } from "./send.js";
import { resolveTarget } from "./target.js";

const EVERY_MS = 1000;
/** While a node sends a delivery no other node claims it (PostgreSQL). */
const LEASE_MS = 60_000;
const PER_TICK = 20;
const MAX_DELAY_MS = 3_600_000;
export const GIVE_UP_MS = 24 * 3_600_000;

export interface DelivererOptions {
  allowPrivate: boolean;
  /** The first retry's delay (WEBHOOK_RETRY_MS). */
  retryMs: number;
  now: () => number;
  /** Told of each tick that failed (the store away) and each that went through (burst-log.ts). */
  report: { failed(err: unknown): void; ok(): void };
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export function startDeliverer(store: Store, o: DelivererOptions): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const due = await store.dueDeliveries(o.now(), LEASE_MS, PER_TICK);
      await Promise.all(due.map((d) => deliver(store, d, o)));
      o.report.ok();
    } catch (err) {
      o.report.failed(err);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

async function deliver(store: Store, d: Delivery, o: DelivererOptions): Promise<void> {
  const [m, counter] = await Promise.all([store.getMilestones(d.counterId), store.getCounter(d.counterId)]);
  if (!m || !counter) return store.deliveryAttempted(d.id, "failed", "the counter has no webhook any more", 0);
  let error: string;
  try {
    const target = await resolveTarget(m.url, o.allowPrivate);
    const body = deliveryBody(d, counter.label);
    const status = await post(target, body, {
      "content-type": "application/json",
      "user-agent": "hitcounter-webhook",
      "x-hitcounter-delivery": d.id,
      "x-hitcounter-signature": signature(m.secret, body),
    });
    if (status >= 200 && status < 300) return store.deliveryAttempted(d.id, "delivered", null, 0);
    error = `the receiver answered ${status}`;
  } catch (err) {
    error = (err as Error).message.slice(0, 300);
  }
  const now = o.now();
  if (now - d.at >= GIVE_UP_MS) return store.deliveryAttempted(d.id, "failed", error, 0);
  const delay = Math.min(o.retryMs * 2 ** d.attempts, MAX_DELAY_MS);
  await store.deliveryAttempted(d.id, "pending", error, now + delay);
}
