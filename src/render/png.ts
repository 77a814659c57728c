// PNG embeds: the same SVG pictures rasterised by resvg (a real SVG renderer, shipped as a
// prebuilt binary inside its npm package), with the system's fonts. Rasterising costs about a
// millisecond, so recent results are kept by SVG text.

import { Resvg } from "@resvg/resvg-js";

const MAX_CACHED = 500;
const cache = new Map<string, Buffer>();

/** Rasterises an SVG at twice its size, for sharp pictures on dense screens. */
export function svgToPng(svg: string): Buffer {
  let png = cache.get(svg);
  if (!png) {
    const r = new Resvg(svg, { fitTo: { mode: "zoom", value: 2 }, font: { loadSystemFonts: true } });
    png = r.render().asPng();
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(svg, png);
  }
  return png;
}
