// The hit path, stage by stage: find the counter -> classify -> hash the visitor and look it
// up in the visitor book -> classify by visitor -> join the open batch -> wait for its commit.
// Every stage either passes the hit on or drops it with a reason; a dropped hit is still
// answered with the picture.

import { type LiveCounter, type Registry, used } from "../counters/registry.js";
import type { DropReason, Hit } from "../hit.js";
import type { Metrics } from "../observability/metrics.js";
import { localBucket } from "../time/zone.js";
import type { Classifier } from "./classify.js";
import type { Committer } from "./committer.js";
import type { RecentVisitors } from "./recent.js";
import type { VisitorHasher } from "./visitor.js";
import type { VisitorBook } from "./visitor-book.js";

export interface Outcome {
  counter: LiveCounter;
  counted: boolean;
  reason: DropReason | undefined;
  /** The hit total to show: for a counted hit, its own place in the count ("visitor #N"). */
  hits: number;
  /** The counter's local day at the hit's time: what "today" means in the figures shown. */
  day: string;
}

export class Pipeline {
  constructor(
    private readonly registry: Registry,
    private readonly classifier: Classifier,
    private readonly salts: VisitorHasher,
    private readonly committer: Committer,
    private readonly metrics: Metrics,
    private readonly recent: RecentVisitors,
    private readonly visitors: VisitorBook,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts (or, with count=false, only looks up) a hit; resolves once a counted hit is durable.
   * Resolves undefined for an unknown counter.
   */
  async record(hit: Hit, count: boolean): Promise<Outcome | undefined> {
    // A counter in memory is the fast case: no promise to wait for.
    const live = this.registry.peek(hit.counterId) ?? (await this.registry.get(hit.counterId));
    if (!live) return undefined;
    // One clock reading and one local day per hit serve every stage and the figures shown.
    const now = this.now();
    used(live, now);
    const bucket = localBucket(live.row.timeZone, now);
    const day = bucket.day;
    if (!count) return this.drop(live, "nocount", day);

    const proxy = hit.imageProxy;
    const early = this.classifier.early(live, hit, proxy);
    if (early) return this.drop(live, early, day);

    const visitor = this.salts.hash(day, live.row.id, hit.ip, hit.userAgent);
    if (!visitor) return this.drop(live, "unavailable", day);
    const minute = Math.floor(now / 60_000);
    const state = this.visitors.see(visitor, hit, minute);
    const late = this.classifier.late(live, hit, visitor, state, proxy, now);
    if (late) return this.drop(live, late, day);

    const batch = this.committer.batch();
    if (!batch) return this.drop(live, "unavailable", day);
    batch.add(live, bucket, visitor, hit, state.ua, state.country);
    const hits = live.row.hits + live.pending;
    try {
      await batch.done;
    } catch {
      return this.drop(live, "unavailable", day);
    }
    this.recent.counted(live.row.id, visitor, state, minute);
    live.tally.note(undefined, now);
    return { counter: live, counted: true, reason: undefined, hits, day };
  }

  private drop(live: LiveCounter, reason: DropReason, day: string): Outcome {
    this.metrics.notCounted(reason);
    live.tally.note(reason, live.lastUsed);
    return { counter: live, counted: false, reason, hits: live.row.hits + live.pending, day };
  }
}
