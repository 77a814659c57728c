// What this node did with one counter's hits on the current UTC day: how many it counted and
// how many it refused, by reason. The operator's list (admin API) shows the refused shares
// from it, to spot a counter under attack or one that bots hammer. Per node and in memory
// (it lives with the counter in the registry, so it is bounded by it); a new day starts at 0.

import { DROP_REASONS, type DropReason } from "../hit.js";

const INDEX = Object.fromEntries(DROP_REASONS.map((r, i) => [r, i])) as Record<DropReason, number>;
const DAY_MS = 86_400_000;

export class Tally {
  private day = -1;
  private counted = 0;
  /** Per reason, by its place in DROP_REASONS; made on the first refusal of the day. */
  private refused: number[] | undefined;

  /** Notes one hit: counted (reason undefined) or refused. "nocount" asked for nothing. */
  note(reason: DropReason | undefined, now: number): void {
    this.turn(now);
    if (reason === undefined) this.counted++;
    else if (reason !== "nocount") {
      this.refused ??= DROP_REASONS.map(() => 0);
      const refused = this.refused;
      refused[INDEX[reason]] = (refused[INDEX[reason]] ?? 0) + 1;
    }
  }

  /** Today's hits seen, and each refusal reason's share of them (0..1). */
  view(now: number): { seen: number; refused: Partial<Record<DropReason, number>> } {
    this.turn(now);
    let seen = this.counted;
    for (const n of this.refused ?? []) seen += n;
    const refused: Partial<Record<DropReason, number>> = {};
    if (this.refused) {
      for (const r of DROP_REASONS) {
        const n = this.refused[INDEX[r]] ?? 0;
        if (n > 0) refused[r] = n / seen;
      }
    }
    return { seen, refused };
  }

  private turn(now: number): void {
    const day = Math.floor(now / DAY_MS);
    if (day === this.day) return;
    this.day = day;
    this.counted = 0;
    this.refused = undefined;
  }
}
