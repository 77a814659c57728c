// PNG embeds: the same SVG pictures rasterised by resvg (a real SVG renderer, shipped as a
// prebuilt binary inside its npm package) on a worker thread (png-worker.ts), never on the
// event loop: a render takes milliseconds. Results are kept by the SVG they show (options and
// number), least recently used first out, within an entry and a byte bound. Renders waiting
// or running are capped (PNG_RENDERS_MAX): past the cap a PNG that isn't kept is refused at
// once (503, Retry-After), before its hit is counted, while SVG embeds go on at full speed.

import { WorkerRequests } from "../workers/requests.js";
import { workerModule } from "../workers/start.js";
import { NOT_FOUND_SVG } from "./pictures.js";

const MAX_CACHED = 2_000;
/** PNG badges are 1-4 KB; the byte bound holds even for the largest labels. */
const MAX_CACHED_BYTES = 16 * 1024 * 1024;

export class PngRenderer {
  private readonly cache = new Map<string, Buffer>();
  private cachedBytes = 0;
  /** Admitted renders not yet answered. */
  private pending = 0;
  private notFoundPng: Promise<Buffer> | undefined;
  private readonly worker = new WorkerRequests<string, Uint8Array>(
    workerModule("./png-worker", import.meta.url),
    undefined,
    "the PNG worker",
  );

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

  /**
   * The "not found" picture, drawn on the first request for it and kept apart from the cache.
   * Not at start: resvg and the system fonts cost the main thread ~20 MB for one picture.
   */
  notFound(): Promise<Buffer> {
    if (!this.notFoundPng) {
      this.notFoundPng = this.rasterise(NOT_FOUND_SVG);
      this.notFoundPng.catch(() => {
        this.notFoundPng = undefined;
      });
    }
    return this.notFoundPng;
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

  close(): Promise<void> {
    return this.worker.close();
  }

  private async rasterise(svg: string): Promise<Buffer> {
    const png = await this.worker.ask(svg);
    return Buffer.from(png.buffer, png.byteOffset, png.byteLength);
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
