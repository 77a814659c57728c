// A Server-Sent Events client for tests: reads a live stream over a real socket and keeps each
// event with the time it arrived.

import { get, type IncomingMessage } from "node:http";

export interface SseEvent {
  event: string;
  data: string;
  at: number;
}

export interface SseStream {
  status: number;
  headers: IncomingMessage["headers"];
  /** The raw text read so far (comments and retry: included). */
  text: () => string;
  events: SseEvent[];
  /** Resolves with the first event (from index `from` on) that `pred` accepts, or rejects after `ms`. */
  next(pred: (e: SseEvent) => boolean, ms: number, from?: number): Promise<SseEvent>;
  /** The body of a refused stream. */
  body: () => string;
  close(): void;
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
      let raw = "";
      let pending = "";
      const events: SseEvent[] = [];
      const waiters = new Set<() => void>();
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        raw += chunk;
        pending += chunk;
        let cut = pending.indexOf("\n\n");
        while (cut >= 0) {
          const block = pending.slice(0, cut);
          pending = pending.slice(cut + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: data.join("\n"), at: Date.now() });
          cut = pending.indexOf("\n\n");
        }
        for (const w of waiters) w();
      });
      res.on("error", () => {});
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => raw,
        body: () => raw,
        events,
        next(pred, ms, from = 0) {
          return new Promise((ok, fail) => {
            const check = () => {
              const e = events.slice(from).find(pred);
              if (!e) return;
              waiters.delete(check);
              clearTimeout(timer);
              ok(e);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no such event within ${ms} ms; got: ${raw.slice(-500)}`));
            }, ms);
            waiters.add(check);
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
  });
}

/** The figures an event carries. */
export function figuresOf(e: SseEvent): { hits: number; visitors: number; today: { hits: number }; online: number } {
  return JSON.parse(e.data);
}
