// Keeps a node's view of counters close to what other nodes committed (PostgreSQL): every
// REFRESH_MS, the counters this node used lately get their totals, today's figures and their
// revision re-read in one query. Figures only move up here (registry.ts): a refresh that
// started before one of this node's own commits must not take that commit back. A changed revision (settings,
// set count or reset on any node) makes the node re-read the counter and take it as it is; a
// missing row (deleted) makes it forget the counter. So a counter made private on one node is
// private on all of them within about REFRESH_MS.

import type { Store } from "../store/store.js";
import { localBucket } from "../time/zone.js";
import { type LiveCounter, type Registry, refreshed, replaced } from "./registry.js";

/** Counters idle for longer than this are not refreshed; they are re-read when hit again. */
const RECENT_MS = 10 * 60_000;
const CHUNK = 5_000;

export function startRefresh(
  registry: Registry,
  store: Store,
  everyMs: number,
  now: () => number,
  /** Called for a counter changed or deleted through another node, once this node caught up. */
  onChanged: (id: string) => void = () => {},
  /** Told of each failed refresh and each one that went through (burst-log.ts). */
  report: { failed(err: unknown): void; ok(): void } = { failed() {}, ok() {} },
): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const t = now();
      const used = registry.usedSince(t - RECENT_MS);
      for (let i = 0; i < used.length; i += CHUNK) {
        const part = used.slice(i, i + CHUNK);
        const stored = await store.totals(part.map((c) => ({ id: c.row.id, day: localBucket(c.row.timeZone, t).day })));
        for (const c of part) {
          const f = stored.get(c.row.id);
          if (!f) {
            registry.drop(c.row.id); // deleted through another node
            onChanged(c.row.id);
            continue;
          }
          if (f.revision !== c.row.revision) {
            // Changed through another node: take its settings and figures as they are now (a
            // reset lowers them). Updated in place, so hits pending on this copy stay counted.
            const row = await store.getCounter(c.row.id);
            if (!row) registry.drop(c.row.id);
            else replaced(c, row, f.today);
            onChanged(c.row.id);
            continue;
          }
          refreshed(c, f);
        }
      }
      report.ok();
    } catch (err) {
      // The store is away: keep showing what we have; the next tick tries again.
      report.failed(err);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Re-reads one counter after a change made through this node (set count, reset, import). */
export async function takeStored(store: Store, live: LiveCounter, now: () => number): Promise<void> {
  const row = await store.getCounter(live.row.id);
  if (!row) return;
  replaced(live, row, await store.getDay(live.row.id, localBucket(row.timeZone, now()).day));
}
