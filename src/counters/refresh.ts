// Keeps a node's view of counters close to what other nodes committed (PostgreSQL): every
// REFRESH_MS, the counters this node used lately get their totals and today's figures re-read
// in one query. Figures only move up here: a refresh that started before one of this node's own
// commits must not take that commit back. (A reset or a lowered count made on another node shows
// on this node once the counter is reloaded; see README "Many nodes".)

import type { Store } from "../store/store.js";
import { localBucket } from "../time/zone.js";
import type { Registry } from "./registry.js";

/** Counters idle for longer than this are not refreshed; they are re-read when hit again. */
const RECENT_MS = 10 * 60_000;
const CHUNK = 5_000;

export function startRefresh(registry: Registry, store: Store, everyMs: number, now: () => number): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const t = now();
      const used = registry.usedSince(t - RECENT_MS);
      for (let i = 0; i < used.length; i += CHUNK) {
        const part = used.slice(i, i + CHUNK);
        const fresh = await store.totals(part.map((c) => ({ id: c.row.id, day: localBucket(c.row.timeZone, t).day })));
        for (const c of part) {
          const f = fresh.get(c.row.id);
          if (!f) continue;
          c.row.hits = Math.max(c.row.hits, f.hits);
          c.row.visitors = Math.max(c.row.visitors, f.visitors);
          if (f.today.day > c.today.day) c.today = f.today;
          else if (f.today.day === c.today.day) {
            c.today = {
              day: f.today.day,
              hits: Math.max(c.today.hits, f.today.hits),
              visitors: Math.max(c.today.visitors, f.today.visitors),
            };
          }
        }
      }
    } catch {
      // The store is away: keep showing what we have; the next tick tries again.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
