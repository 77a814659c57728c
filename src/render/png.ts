// PNG embeds: the same SVG pictures rasterised by resvg (a real SVG renderer, shipped as a
// prebuilt binary inside its npm package) on a worker thread (png-worker.ts), never on the
// event loop: a render takes milliseconds. Results are kept by the SVG they show (options and
// number), least recently used first out, within an entry and a byte bound. Renders waiting
// or running are capped (PNG_RENDERS_MAX): past the cap a PNG that isn't kept is refused at
// once (503, Retry-After), before its hit is counted, while SVG embeds go on at full speed.

import type { Worker } from "node:worker_threads";
import { Resvg } from "@resvg/resvg-js";
import { startWorker } from "../workers/start.js";
import { fontOptions } from "./fonts.js";
import { NOT_FOUND_SVG } from "./pictures.js";

const MAX_CACHED = 2_000;
/** PNG badges are 1-4 KB; the byte bound holds even for the largest labels. */
const MAX_CACHED_BYTES = 16 * 1024 * 1024;

/** The "not found" picture, drawn once at start. */
export const NOT_FOUND_PNG: Buffer = new Resvg(NOT_FOUND_SVG, {
  fitTo: { mode: "zoom", value: 2 },
  font: fontOptions(),
})
  .render()
  .asPng() as Buffer;

export class PngRenderer {
  private readonly cache = new Map<string, Buffer>();
  private cachedBytes = 0;
  /** Admitted renders not yet answered. */
  private pending = 0;
  private worker: Worker | undefined;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (png: Buffer) => void; reject: (e: Error) => void }>();

  constructor(private readonly maxPending: number) {}

  /** Whether a PNG request may go on; an admitted one calls release() when answered. */
  admit(): boolean {
    if (this.pending >= this.maxPending) return false;
    this.pending++;
    return true;
  }

  release(): void {
    this.pending--;
  }

  /** The PNG of `svg`, from the cache or the worker (for an admitted request). */
  async render(svg: string): Promise<Buffer> {
    const kept = this.cache.get(svg);
    if (kept) {
      // Least recently used goes first: a hit moves to the end.
      this.cache.delete(svg);
      this.cache.set(svg, kept);
      return kept;
    }
    const png = await this.rasterise(svg);
    this.keep(svg, png);
    return png;
  }

  close(): Promise<number> | undefined {
    return this.worker?.terminate();
  }

  private rasterise(svg: string): Promise<Buffer> {
    const w = this.start();
    const n = ++this.next;
    return new Promise<Buffer>((resolve, reject) => {
      this.waiting.set(n, { resolve, reject });
      w.postMessage({ n, svg });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker(new URL("./png-worker.ts", import.meta.url), undefined);
    w.unref();
    w.on("message", (m: { n: number; png?: Uint8Array; error?: string }) => {
      const p = this.waiting.get(m.n);
      this.waiting.delete(m.n);
      if (!p) return;
      if (m.png) p.resolve(Buffer.from(m.png.buffer, m.png.byteOffset, m.png.byteLength));
      else p.reject(new Error(`PNG render failed: ${m.error}`));
    });
    const gone = (err: Error) => {
      for (const p of this.waiting.values()) p.reject(err);
      this.waiting.clear();
      this.worker = undefined;
    };
    w.on("error", gone);
    w.on("exit", (code) => gone(new Error(`the PNG worker exited (code ${code})`)));
    this.worker = w;
    return w;
  }

  private keep(svg: string, png: Buffer): void {
    this.cache.set(svg, png);
    this.cachedBytes += png.length + svg.length;
    for (const [k, v] of this.cache) {
      if (this.cache.size <= MAX_CACHED && this.cachedBytes <= MAX_CACHED_BYTES) break;
      this.cache.delete(k);
      this.cachedBytes -= v.length + k.length;
    }
  }
}
