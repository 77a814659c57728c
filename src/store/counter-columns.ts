// The counters table's column for each field a change may set: the one vocabulary both SQL
// stores write counter changes with.

import type { CounterChange } from "./store.js";

export const CHANGE_COLUMNS: Record<keyof CounterChange, string> = {
  label: "label",
  origins: "origins",
  public: "public",
  timeZone: "time_zone",
  dedupeSeconds: "dedupe_seconds",
  show: "show",
  honorPrivacySignals: "honor_privacy",
  tokenHash: "token_hash",
  blocked: "blocked",
};
