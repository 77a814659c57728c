// What an embed displays, from a counter's figures and the embed's options.

import type { LiveCounter } from "../counters/registry.js";
import { currentFigures } from "../counters/registry.js";
import type { Outcome } from "../ingest/pipeline.js";
import { formatNumber } from "../render/badge.js";
import type { DisplayOptions } from "../render/options.js";

/** The JSON body of the .json embed and of POST /api/hit. */
export function figuresJson(c: LiveCounter, now: number) {
  return { id: c.row.id, ...currentFigures(c, now) };
}

/** The number a picture shows: hits or visitors (the counter's choice), total or today. */
export function displayed(c: LiveCounter, o: Outcome, opts: DisplayOptions, now: number) {
  const f = currentFigures(c, now);
  const visitors = c.row.show === "visitors";
  const total = visitors ? f.visitors : o.hits;
  const today = visitors ? f.today.visitors : f.today.hits;
  const value = opts.show === "today" ? today : total;
  const text = opts.show === "both" ? `${formatNumber(today)} / ${formatNumber(total)}` : formatNumber(value);
  return { value, text };
}
