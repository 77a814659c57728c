// The label + number badge, drawn by shields.io's own badge-maker. badge-maker takes ~0.1 ms
// per picture, too slow for every hit, so each (look, number shape) is drawn once with a
// placeholder number and cached as a template; a hit only joins the template with its number.
// Verdana's digits all have one width, so numbers of one shape share one layout.

import { makeBadge } from "badge-maker";
import { asciiXml } from "./escape.js";
import type { DisplayOptions } from "./options.js";

const MAX_TEMPLATES = 5_000;
const templates = new Map<string, string[]>();

/** Groups digits in threes: 12345 -> "12,345". */
export function formatNumber(n: number): string {
  const s = String(n);
  if (s.length <= 3) return s;
  let out = "";
  const head = s.length % 3 || 3;
  out = s.slice(0, head);
  for (let i = head; i < s.length; i += 3) out += `,${s.slice(i, i + 3)}`;
  return out;
}

function draw(o: DisplayOptions, label: string, message: string): string {
  const svg = makeBadge({
    label,
    message,
    color: o.color ?? "blue",
    labelColor: o.labelColor ?? "555",
    style: o.style === "digits" ? "flat" : o.style,
  });
  return asciiXml(svg);
}

/**
 * A badge showing `message` (a formatted number, or "today / total"), in ASCII only (a label's
 * other characters as character references), so its length is its size in bytes.
 * @example badgeSvg(opts, "views", "1,234")
 */
export function badgeSvg(o: DisplayOptions, label: string, message: string): string {
  const shape = message.replace(/[0-9]/g, "0");
  // Empty labels put the bare number in attributes (aria-label="0", like x2="0"), and a label
  // containing the shape would make the split ambiguous: draw those directly.
  if (label === "" || label.includes(shape)) return draw(o, label, message);
  let parts: string[] | undefined;
  if (o === last.o && label === last.label && shape === last.shape) parts = last.parts;
  else {
    const key = `${o.style}\u0000${o.color}\u0000${o.labelColor}\u0000${label}\u0000${shape}`;
    parts = templates.get(key);
    if (!parts) {
      // The message appears only as element text (>msg<) and after the label (": msg" in the
      // title and aria-label). for-the-badge upper-cases it: digits, commas and slashes don't change.
      const svg = draw(o, label, shape);
      parts = svg.split(new RegExp(`(?<=>|: )${shape.replace(/[/,]/g, "\\$&")}(?=[<"])`));
      if (templates.size >= MAX_TEMPLATES) templates.clear();
      templates.set(key, parts);
    }
    last = { o, label, shape, parts };
  }
  let out = parts[0] as string;
  for (let i = 1; i < parts.length; i++) out += message + (parts[i] as string);
  return out;
}

/**
 * The template drawn last, tried before the map: the options of embeds without a query are
 * one shared object, so on a node most hits match it and skip building the key (a fifth of
 * this function's time).
 */
let last: { o: DisplayOptions | undefined; label: string; shape: string; parts: string[] } = {
  o: undefined,
  label: "",
  shape: "",
  parts: [],
};
