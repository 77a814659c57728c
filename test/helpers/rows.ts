// Stored rows written by hand for store tests (the server makes them in counters/).

import type { CounterRow } from "../../src/store/store.js";

/** A counter's row with fixed settings (a private counter in Asia/Kolkata), `over` changed. */
export function counterRow(id: string, over: Partial<CounterRow> = {}): CounterRow {
  return {
    id,
    tokenHash: "h".repeat(64),
    label: "visitors",
    origins: ["example.com"],
    public: false,
    timeZone: "Asia/Kolkata",
    dedupeSeconds: 0,
    show: "hits",
    honorPrivacySignals: false,
    createdAt: 1_700_000_000_000,
    hits: 0,
    visitors: 0,
    revision: 0,
    blocked: false,
    ...over,
  };
}
