// "Online": distinct visitors of a counter in the last five minutes, for the live stream, the
// JSON figures, the show=online badge and the dashboard. One node knows its own visitors
// exactly (ingest/recent.ts). Where nodes share a store, every REFRESH_MS each node sends the
// visitor-minutes it counted and reads back the count over all nodes for the counters someone
// asked about lately (watched): a visitor seen on two nodes is one visitor, within about
// REFRESH_MS. A node shows the larger of its own count and the shared one, so its own newest
// visitors show before the next share.
// Bounds: at most MAX_WATCHED counters are watched (past that, others show this node's own
// count); a counter not asked about for WATCH_MS stops being watched.

import type { RecentVisitors } from "../ingest/recent.js";
import type { Store } from "../store/store.js";

const WINDOW_MINUTES = 5;
const MAX_WATCHED = 10_000;
const WATCH_MS = 2 * 60_000;

export class Online {
  /** counter -> last time (ms) its online figure was asked for */
  private readonly watched = new Map<string, number>();
  /** counter -> distinct visitors over every node, as of the last share */
  private shared = new Map<string, number>();

  constructor(
    private readonly recent: RecentVisitors,
    private readonly now: () => number = Date.now,
  ) {}

  /** Distinct visitors in the last five minutes. */
  count(counterId: string): number {
    const local = this.recent.count(counterId);
    if (this.watched.size < MAX_WATCHED || this.watched.has(counterId)) this.watched.set(counterId, this.now());
    const shared = this.shared.get(counterId);
    return shared !== undefined && shared > local ? shared : local;
  }

  /**
   * Shares this node's sightings through the store every `everyMs`, where the store is shared
   * by nodes; a no-op otherwise. Returns the function that stops it.
   */
  startSharing(store: Store, everyMs: number, report: { failed(err: unknown): void; ok(): void }): () => void {
    const share = store.shareOnline?.bind(store);
    if (!share) return () => {};
    this.recent.keepSightings();
    let running = false;
    const tick = async () => {
      if (running) return;
      running = true;
      const t = this.now();
      for (const [id, at] of this.watched) if (t - at > WATCH_MS) this.watched.delete(id);
      try {
        const since = Math.floor(t / 60_000) - (WINDOW_MINUTES - 1);
        this.shared = await share(this.recent.takeSightings(), [...this.watched.keys()], since);
        report.ok();
      } catch (err) {
        // Sightings of a failed share are lost: "online" reads low for a few minutes, never high.
        report.failed(err);
      } finally {
        running = false;
      }
    };
    const timer = setInterval(tick, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
