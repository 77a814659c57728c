// The live counter's streams (GET /c/{id}/live, Server-Sent Events): who listens to which
// counter, and what each was last sent. Every TICK_MS the hub compares each listened-to
// counter's figures (committed, pending and, with several nodes, refreshed: counters/refresh.ts)
// and "online" with what it sent last, and writes one event to the counter's streams when they
// changed: at most 1000 / TICK_MS events a second, however many hits arrive. Nothing here runs
// on the hit path; a tick costs a few number comparisons per listened-to counter.
// Bounds: LIVE_MAX streams in all, LIVE_MAX_PER_COUNTER per counter, MAX_PER_ADDRESS per client
// address; past any of them a new stream is refused (503). A stream whose client stops reading
// is closed once MAX_BUFFERED bytes wait for it.

import type { ServerResponse } from "node:http";
import { currentFigures, type LiveCounter, type Registry, used } from "../counters/registry.js";
import { SECURITY_HEADERS } from "../http/guard.js";
import type { Online } from "./online.js";

export const TICK_MS = 250;
export const HEARTBEAT_MS = 25_000;
/** What EventSource waits before reconnecting after the stream ends (the `retry:` field). */
const RETRY_MS = 5_000;
const MAX_PER_ADDRESS = 32;
const MAX_BUFFERED = 64 * 1024;

const HEAD: string[] = [
  ...SECURITY_HEADERS.flat(),
  "content-type",
  "text/event-stream; charset=utf-8",
  "cache-control",
  "no-store",
  "access-control-allow-origin",
  "*",
  // Proxies such as nginx would otherwise hold events back to fill a buffer.
  "x-accel-buffering",
  "no",
];

export interface LiveLimits {
  /** LIVE_MAX */
  total: number;
  /** LIVE_MAX_PER_COUNTER */
  perCounter: number;
}

/** One stream; `address` is the client's address key, for the per-address bound. */
interface Stream {
  res: ServerResponse;
  address: string;
}

/** A counter's streams and the figures they were sent last (hits, visitors, today's, online). */
interface Group {
  streams: Set<Stream>;
  sent: number[];
  loading: boolean;
}

export type Refusal = "total" | "counter" | "address";

export class LiveHub {
  private readonly groups = new Map<string, Group>();
  private readonly perAddress = new Map<string, number>();
  private size = 0;
  private readonly timers: NodeJS.Timeout[];

  constructor(
    private readonly registry: Registry,
    private readonly online: Online,
    private readonly limits: LiveLimits,
    private readonly now: () => number = Date.now,
  ) {
    const tick = setInterval(() => this.tick(), TICK_MS);
    const beat = setInterval(() => this.broadcast(": keep-alive\n\n"), HEARTBEAT_MS);
    tick.unref();
    beat.unref();
    this.timers = [tick, beat];
  }

  /** Streams open now. */
  get open(): number {
    return this.size;
  }

  /** Why a new stream for `counterId` from `address` would be refused, or undefined. */
  refusal(counterId: string, address: string): Refusal | undefined {
    if (this.size >= this.limits.total) return "total";
    if ((this.groups.get(counterId)?.streams.size ?? 0) >= this.limits.perCounter) return "counter";
    if ((this.perAddress.get(address) ?? 0) >= MAX_PER_ADDRESS) return "address";
    return undefined;
  }

  /** Starts a stream on `res` (check refusal() first): the head, then the figures now. */
  subscribe(c: LiveCounter, res: ServerResponse, address: string): void {
    const id = c.row.id;
    let g = this.groups.get(id);
    if (!g) {
      g = { streams: new Set(), sent: [], loading: false };
      this.groups.set(id, g);
    }
    const stream: Stream = { res, address };
    g.streams.add(stream);
    this.size++;
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    res.on("close", () => this.remove(id, stream));
    res.writeHead(200, HEAD);
    const figures = this.figures(c);
    res.write(`retry: ${RETRY_MS}\n\n${event(figures)}`);
    if (g.streams.size === 1) g.sent = figures;
  }

  /** Ends every stream (shutdown): EventSource reconnects, to another node or after the restart. */
  close(): void {
    for (const t of this.timers) clearInterval(t);
    for (const g of this.groups.values()) for (const s of g.streams) s.res.end();
  }

  private remove(id: string, stream: Stream): void {
    const g = this.groups.get(id);
    if (!g?.streams.delete(stream)) return;
    this.size--;
    const n = (this.perAddress.get(stream.address) ?? 1) - 1;
    if (n === 0) this.perAddress.delete(stream.address);
    else this.perAddress.set(stream.address, n);
    if (g.streams.size === 0) this.groups.delete(id);
  }

  private figures(c: LiveCounter): number[] {
    const f = currentFigures(c, this.now());
    return [f.hits, f.visitors, f.today.hits, f.today.visitors, this.online.count(c.row.id)];
  }

  private tick(): void {
    const now = this.now();
    for (const [id, g] of this.groups) {
      const c = this.registry.peek(id);
      if (!c) {
        this.reload(id, g);
        continue;
      }
      // Listened to is in use: it stays in memory and in the refresh of other nodes' hits.
      used(c, now);
      const f = this.figures(c);
      const s = g.sent;
      if (f[0] === s[0] && f[1] === s[1] && f[2] === s[2] && f[3] === s[3] && f[4] === s[4]) continue;
      g.sent = f;
      this.write(g, event(f));
    }
  }

  /** The counter left the registry (evicted, or changed through another node): read it again. */
  private reload(id: string, g: Group): void {
    if (g.loading) return;
    g.loading = true;
    this.registry
      .get(id)
      .then((c) => {
        // Deleted: tell the page, and end its streams (EventSource would reconnect to a 404).
        if (!c) for (const s of g.streams) s.res.end("event: gone\ndata: {}\n\n");
      })
      .catch(() => {}) // the store is away: the next tick tries again
      .finally(() => {
        g.loading = false;
      });
  }

  private broadcast(text: string): void {
    for (const g of this.groups.values()) this.write(g, text);
  }

  private write(g: Group, text: string): void {
    for (const s of g.streams) {
      if (s.res.writableLength > MAX_BUFFERED) s.res.destroy();
      else s.res.write(text);
    }
  }
}

function event(f: number[]): string {
  const data = { hits: f[0], visitors: f[1], today: { hits: f[2], visitors: f[3] }, online: f[4] };
  return `data: ${JSON.stringify(data)}\n\n`;
}
