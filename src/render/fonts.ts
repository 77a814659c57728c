// The fonts PNG renders use, found once. resvg-js 2.6 takes fonts per render, not a font
// database to keep, so the cost is in what it is given: one font file instead of a scan of
// every system font took a render from 6.0 to 2.8 ms on this VM.

import { existsSync } from "node:fs";
import type { ResvgRenderOptions } from "@resvg/resvg-js";

/** Fonts for the badge's "Verdana, Geneva, DejaVu Sans, sans-serif", in Debian's places. */
const FONT_FILES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
  "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

let found: NonNullable<ResvgRenderOptions["font"]> | undefined;

export function fontOptions(): NonNullable<ResvgRenderOptions["font"]> {
  if (found) return found;
  const files = FONT_FILES.filter((f) => existsSync(f));
  // No known font file: let resvg find the system's (slower, still correct).
  found =
    files.length === 0
      ? { loadSystemFonts: true }
      : { loadSystemFonts: false, fontFiles: files, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" };
  return found;
}
