// The counters table as PostgreSQL holds it, and its mapping to a CounterRow.

import type { CounterRow } from "../store.js";

export interface RawCounter {
  id: string;
  token_hash: string;
  label: string;
  origins: string[];
  public: boolean;
  time_zone: string;
  dedupe_seconds: number;
  show: string;
  honor_privacy: boolean;
  created_at: number;
  hits: number;
  visitors: number;
  revision: number;
  blocked: boolean;
}

export function toRow(r: RawCounter): CounterRow {
  return {
    id: r.id,
    tokenHash: r.token_hash,
    label: r.label,
    origins: r.origins,
    public: r.public,
    timeZone: r.time_zone,
    dedupeSeconds: r.dedupe_seconds,
    show: r.show === "visitors" ? "visitors" : "hits",
    honorPrivacySignals: r.honor_privacy,
    createdAt: r.created_at,
    hits: r.hits,
    visitors: r.visitors,
    revision: r.revision,
    blocked: r.blocked,
  };
}
