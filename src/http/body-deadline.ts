// The time a request's body may take. Node's own requestTimeout cuts every request at one
// deadline for headers and body together, which no large upload (an import) can meet; so
// Node keeps only the header deadline, and this module gives each body its deadline: the
// whole body within REQUEST_TIMEOUT_MS, except an import's (POST /api/counters/{id}/import),
// which must keep arriving (no gap longer than REQUEST_TIMEOUT_MS) and end within an hour.
// Either way a trickling client is answered 408, disconnected and counted in /metrics.
// Requests without a body (every embed) cost one header check.

import type { IncomingMessage, ServerResponse } from "node:http";

export const IMPORT_MAX_MS = 3_600_000;
const IMPORT_PATH = /^\/api\/counters\/[^/?]+\/import(\?|$)/;
const BODY = JSON.stringify({ error: { code: "request_timeout", message: "the request's body took too long" } });

export function bodyDeadline(timeoutMs: number, onTimeout: () => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const h = req.headers;
    if (h["transfer-encoding"] === undefined && (h["content-length"] === undefined || h["content-length"] === "0"))
      return;
    const upload = req.method === "POST" && IMPORT_PATH.test(req.url ?? "");
    let over = false;
    const cut = () => {
      if (req.complete || over) return;
      over = true;
      done();
      onTimeout();
      if (!res.headersSent) {
        res.writeHead(408, { "content-type": "application/json; charset=utf-8", connection: "close" });
        res.end(BODY);
      }
      // The client is still sending: it gets the answer, then the socket goes.
      res.once("finish", () => req.socket.destroy());
      setTimeout(() => req.socket.destroy(), 1000).unref();
    };
    // An upload is watched by the bytes its socket read, not by a "data" listener, which
    // would start the body flowing before the route reads it.
    let read = req.socket.bytesRead;
    const timer = upload
      ? setInterval(() => {
          if (req.socket.bytesRead === read) cut();
          read = req.socket.bytesRead;
        }, timeoutMs)
      : setTimeout(cut, timeoutMs);
    const whole = upload ? setTimeout(cut, IMPORT_MAX_MS) : undefined;
    function done() {
      clearTimeout(timer);
      clearTimeout(whole);
    }
    req.once("end", done);
    req.once("close", done);
  };
}
