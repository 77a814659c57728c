// The PNG worker thread: rasterises SVG pictures with resvg, at the lowest priority, so a
// flood of distinct PNGs takes only the time the event loop leaves over. Its fonts are found
// once, at start (fonts.ts).

import { parentPort } from "node:worker_threads";
import { Resvg } from "@resvg/resvg-js";
import type { Answer } from "../workers/requests.js";
import { lowerPriority } from "../workers/start.js";
import { fontOptions } from "./fonts.js";

if (parentPort) {
  lowerPriority(19);
  const font = fontOptions();
  parentPort.on("message", (m: { n: number; request: string }) => {
    try {
      const png = new Resvg(m.request, { fitTo: { mode: "zoom", value: 2 }, font }).render().asPng();
      parentPort?.postMessage({ n: m.n, result: png } satisfies Answer<Uint8Array>, [png.buffer as ArrayBuffer]);
    } catch (err) {
      parentPort?.postMessage({ n: m.n, error: String((err as Error).message ?? err) } satisfies Answer<Uint8Array>);
    }
  });
}
