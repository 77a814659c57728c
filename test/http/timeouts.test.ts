// A client that trickles its request can't hold a socket: it is cut off after
// REQUEST_TIMEOUT_MS (and counted in /metrics) while everyone else is answered.

import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, it } from "node:test";
import { createCounter, hit, type Running, startApp } from "../helpers/server.js";

let s: Running;
before(async () => {
  s = await startApp({ REQUEST_TIMEOUT_MS: "1000" });
});
after(() => s.close());

it("a slow-body client is disconnected within the timeout while other requests are answered", async () => {
  const c = await createCounter(s.url);
  const { port } = new URL(s.url);
  const started = Date.now();
  const sock = connect(Number(port), "127.0.0.1");
  let received = "";
  sock.on("data", (d) => {
    received += d;
  });
  const closed = new Promise<number>((resolve) => sock.on("close", () => resolve(Date.now() - started)));
  sock.write(`POST /api/hit HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 200\r\n\r\n{`);
  // One byte every 200 ms: the connection never goes idle, the body never completes.
  const trickle = setInterval(() => sock.writable && sock.write(" "), 200);
  try {
    for (let i = 0; i < 5; i++) {
      const r = await hit(s.url, c.id);
      assert.equal(r.headers.get("x-hit-counted"), "1", "others are answered meanwhile");
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await closed;
    assert.ok(after < 3500, `cut off after ${after} ms`);
    assert.match(received, /^HTTP\/1\.1 408/);
  } finally {
    clearInterval(trickle);
    sock.destroy();
  }
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /^hitcounter_requests_timed_out_total 1$/m);
});

it("an import may take longer than the timeout while its body keeps coming, and is cut off once it stalls", async () => {
  const c = await createCounter(s.url);
  const { port } = new URL(s.url);
  const lines = (n: number) =>
    Array.from({ length: n }, (_, i) => `2026-09-${String((i % 28) + 1).padStart(2, "0")},1\n`).join("");
  const send = (stallAfter: number | undefined) =>
    new Promise<{ status: string; ms: number }>((resolve) => {
      const started = Date.now();
      const sock = connect(Number(port), "127.0.0.1");
      let received = "";
      sock.on("data", (d) => {
        received += d;
      });
      sock.on("close", () => resolve({ status: received.slice(0, 12), ms: Date.now() - started }));
      sock.write(
        `POST /api/counters/${c.id}/import?format=csv${stallAfter ? "&key=stalled" : ""} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${c.token}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      );
      let sent = 0;
      const timer = setInterval(() => {
        if (stallAfter !== undefined && sent >= stallAfter) return; // stalled: sends nothing more
        const part = lines(5);
        sock.write(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`);
        if (++sent === 12) {
          clearInterval(timer);
          sock.write("0\r\n\r\n");
        }
      }, 200);
      sock.on("close", () => clearInterval(timer));
    });
  const steady = await send(undefined);
  assert.equal(steady.status, "HTTP/1.1 200", "a 2.4 s upload at a 1 s timeout");
  assert.ok(steady.ms > 2000);
  const stalled = await send(3);
  assert.equal(stalled.status, "HTTP/1.1 408");
  assert.ok(stalled.ms < 4000, `cut off after ${stalled.ms} ms`);
});
