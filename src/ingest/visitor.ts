// Cookieless visitor identity: hash(salt of the local day, counter, client address, user-agent).
// Salts live in the store so every node and every restart agrees on them; a day's salt is
// deleted once that day has ended in every time zone, which makes old hashes unlinkable.

import { createHash } from "node:crypto";
import type { Store } from "../store/store.js";
import { addDays, utcDay } from "../time/zone.js";

export class Salts {
  private readonly byDay = new Map<string, Buffer>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Loads the salts any time zone can need now (yesterday..tomorrow in UTC) and forgets
   * older ones, here and in the store. Call at start and then every few minutes.
   */
  async rotate(): Promise<void> {
    const today = utcDay(this.now());
    // A local day D is still running somewhere until D+1 12:00 UTC (UTC-12), and already
    // started at D-1 10:00 UTC (UTC+14). Days before `keepFrom` have ended everywhere.
    const hourUtc = new Date(this.now()).getUTCHours();
    const keepFrom = hourUtc >= 12 ? today : addDays(today, -1);
    for (const day of [addDays(today, -1), today, addDays(today, 1)]) {
      if (day >= keepFrom && !this.byDay.has(day)) this.byDay.set(day, await this.store.salt(day));
    }
    for (const day of this.byDay.keys()) if (day < keepFrom) this.byDay.delete(day);
    await this.store.forgetBefore(keepFrom);
  }

  /** The visitor hash, or undefined when the day's salt is not loaded (rotate() not run yet). */
  hash(day: string, counterId: string, ip: string, userAgent: string): string | undefined {
    const salt = this.byDay.get(day);
    if (!salt) return undefined;
    // 16 bytes of SHA-256 is plenty to keep visitors of one counter-day apart.
    // One update for the text: the same bytes as updating part by part, at a third of the
    // calls into the hash, which runs on every hit.
    return createHash("sha256")
      .update(salt)
      .update(`${counterId}\u0000${ip}\u0000${userAgent}`)
      .digest("base64url")
      .slice(0, 22);
  }
}
