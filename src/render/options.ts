// Display options of image embeds, validated once per request from the query string.
// A bad value is a 400 that names the option, never a silently different picture.

import { badRequest } from "../errors.js";
import { isPlainText } from "../text/characters.js";

export const BADGE_STYLES = ["flat", "flat-square", "plastic", "for-the-badge", "social"] as const;
export const DIGIT_THEMES = ["odometer", "lcd", "plain", "retro", "matrix"] as const;
export type BadgeStyle = (typeof BADGE_STYLES)[number];
export type DigitTheme = (typeof DIGIT_THEMES)[number];
export type ShowWhat = "total" | "today" | "both" | "online";

export interface DisplayOptions {
  style: BadgeStyle | "digits";
  label: string | undefined;
  color: string | undefined;
  labelColor: string | undefined;
  show: ShowWhat;
  theme: DigitTheme;
  digits: number;
  count: boolean;
}

export const MAX_LABEL = 64;
export const MAX_DIGITS = 12;
const NAMED = new Set([
  "brightgreen",
  "green",
  "yellow",
  "yellowgreen",
  "orange",
  "red",
  "blue",
  "grey",
  "gray",
  "lightgrey",
  "lightgray",
  "success",
  "important",
  "critical",
  "informational",
  "inactive",
  "black",
  "white",
  "purple",
  "pink",
  "teal",
  "navy",
]);
const HEX = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const KNOWN = new Set(["style", "label", "color", "labelColor", "show", "theme", "digits", "count", "v", "t"]);

export const DEFAULT_OPTIONS: DisplayOptions = {
  style: "flat",
  label: undefined,
  color: undefined,
  labelColor: undefined,
  show: "total",
  theme: "odometer",
  digits: 1,
  count: true,
};

function colour(name: string, raw: string): string {
  if (NAMED.has(raw.toLowerCase())) return raw.toLowerCase();
  if (HEX.test(raw)) return raw.startsWith("#") ? raw : `#${raw}`;
  throw badRequest("bad_option", `${name} must be a named colour (e.g. blue) or a hex colour (e.g. #4c1)`);
}

function one(name: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw badRequest("bad_option", `${name} was given more than once`);
  return v;
}

/**
 * Validates an embed's query string. Unknown options are refused so typos are visible.
 * @example parseOptions({ style: "digits", theme: "lcd", digits: "6" })
 */
export function parseOptions(query: Record<string, unknown>): DisplayOptions {
  let n = 0;
  for (const k in query) {
    if (++n > 12) throw badRequest("bad_option", "too many query options (at most 12)");
    if (!KNOWN.has(k)) throw badRequest("bad_option", `unknown option "${k.slice(0, 32)}"`);
  }
  if (n === 0) return DEFAULT_OPTIONS;
  // Cache-busters carry no meaning, but a repeated one is refused like any repeated option.
  one("v", query.v);
  one("t", query.t);
  const o: DisplayOptions = { ...DEFAULT_OPTIONS };
  const style = one("style", query.style);
  if (style !== undefined) {
    if (style !== "digits" && !(BADGE_STYLES as readonly string[]).includes(style)) {
      throw badRequest("bad_option", `style must be one of ${[...BADGE_STYLES, "digits"].join(", ")}`);
    }
    o.style = style as DisplayOptions["style"];
  }
  const label = one("label", query.label);
  if (label !== undefined) {
    if (label.length > MAX_LABEL) throw badRequest("bad_option", `label is longer than ${MAX_LABEL} characters`);
    if (!isPlainText(label)) throw badRequest("bad_option", "label holds a control character or a non-character");
    o.label = label;
  }
  const color = one("color", query.color);
  if (color !== undefined) o.color = colour("color", color);
  const labelColor = one("labelColor", query.labelColor);
  if (labelColor !== undefined) o.labelColor = colour("labelColor", labelColor);
  const show = one("show", query.show);
  if (show !== undefined) {
    if (show !== "total" && show !== "today" && show !== "both" && show !== "online") {
      throw badRequest("bad_option", "show must be total, today, both or online");
    }
    o.show = show;
  }
  const theme = one("theme", query.theme);
  if (theme !== undefined) {
    if (!(DIGIT_THEMES as readonly string[]).includes(theme)) {
      throw badRequest("bad_option", `theme must be one of ${DIGIT_THEMES.join(", ")}`);
    }
    o.theme = theme as DigitTheme;
  }
  const digits = one("digits", query.digits);
  if (digits !== undefined) {
    const d = Number(digits);
    if (!/^\d{1,2}$/.test(digits) || d < 1 || d > MAX_DIGITS) {
      throw badRequest("bad_option", `digits must be a whole number from 1 to ${MAX_DIGITS}`);
    }
    o.digits = d;
  }
  const count = one("count", query.count);
  if (count !== undefined) {
    if (count !== "true" && count !== "false" && count !== "1" && count !== "0") {
      throw badRequest("bad_option", "count must be true or false");
    }
    o.count = count === "true" || count === "1";
  }
  return o;
}
