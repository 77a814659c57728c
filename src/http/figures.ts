// What an embed displays, from a counter's figures and the embed's options.

import { figuresOn } from "../counters/registry.js";
import type { Outcome } from "../ingest/pipeline.js";
import { formatNumber } from "../render/badge.js";
import type { DisplayOptions } from "../render/options.js";

/** The JSON body of the .json embed and of POST /api/hit, on the hit's local day. */
export function figuresJson(o: Outcome) {
  return { id: o.counter.row.id, ...figuresOn(o.counter, o.day) };
}

/** The number a picture shows: hits or visitors (the counter's choice), total or today. */
export function displayed(o: Outcome, opts: DisplayOptions) {
  const c = o.counter;
  const f = figuresOn(c, o.day);
  const visitors = c.row.show === "visitors";
  const total = visitors ? f.visitors : o.hits;
  const today = visitors ? f.today.visitors : f.today.hits;
  const value = opts.show === "today" ? today : total;
  const text = opts.show === "both" ? `${formatNumber(today)} / ${formatNumber(total)}` : formatNumber(value);
  return { value, text };
}
