// What an embed displays, from a counter's figures and the embed's options.

import { figuresOn } from "../counters/registry.js";
import type { Outcome } from "../ingest/pipeline.js";
import type { Online } from "../live/online.js";
import { formatNumber } from "../render/badge.js";
import type { DisplayOptions } from "../render/options.js";

/** The JSON body of the .json embed and of POST /api/hit, on the hit's local day. */
export function figuresJson(o: Outcome, online: Online) {
  return { id: o.counter.row.id, ...figuresOn(o.counter, o.day), online: online.count(o.counter.row.id) };
}

/**
 * The number a picture shows: hits or visitors (the counter's choice), total or today; or the
 * visitors online now (show=online).
 */
export function displayed(o: Outcome, opts: DisplayOptions, online: Online) {
  const c = o.counter;
  if (opts.show === "online") {
    const value = online.count(c.row.id);
    return { value, text: formatNumber(value) };
  }
  const f = figuresOn(c, o.day);
  const visitors = c.row.show === "visitors";
  const total = visitors ? f.visitors : o.hits;
  const today = visitors ? f.today.visitors : f.today.hits;
  const value = opts.show === "today" ? today : total;
  const text = opts.show === "both" ? `${formatNumber(today)} / ${formatNumber(total)}` : formatNumber(value);
  return { value, text };
}
